package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultBin is where Debian's postgresql-15 package installs its server binaries.
const DefaultBin = "/usr/lib/postgresql/15/bin"

// ErrMissing says the PostgreSQL server binaries could not be found.
var ErrMissing = errors.New("postgres: PostgreSQL server binaries not found (install them: apt-get install -y postgresql-15, or set RECALL_PG_BIN to the folder holding initdb and postgres)")

// Options say where and how the private cluster runs. The zero value is a
// throw-away cluster in a temporary folder on a free loopback port.
type Options struct {
	// Dir holds the cluster. An existing cluster there is reused (make run keeps its data);
	// empty means a temporary folder removed by Stop.
	Dir string
	// Port on 127.0.0.1; 0 picks a free one.
	Port int
	// BinDir holds initdb and postgres; empty means $RECALL_PG_BIN or DefaultBin.
	BinDir string
	// Database is created when missing; empty means "recall".
	Database string
	// Settings are extra server settings (name → value), e.g. fsync=off for throw-away tests.
	Settings map[string]string
	// Log receives the server's output; nil discards it.
	Log *os.File
}

// Cluster is a running private cluster. Stop it when done; it also dies with its parent.
type Cluster struct {
	dir, database string
	port          int
	temp          bool
	bin           string  // the resolved BinDir
	opts          Options // as started, so Restart keeps settings and log
	cmd           *exec.Cmd
	done          chan struct{}
	stopOnce      sync.Once
	stopErr       error
}

// Start initialises (when needed) and starts a private PostgreSQL cluster with
// logical replication enabled, listening on loopback only. Running as root, the cluster is
// owned by and runs as the "postgres" user, because initdb and postgres refuse root.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	bin, err := postgresBin(opts.BinDir)
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	p := &Cluster{dir: opts.Dir, database: opts.Database, port: opts.Port, bin: bin, opts: opts, done: make(chan struct{})}
	if p.database == "" {
		p.database = "recall"
	}
	if p.dir == "" {
		if p.dir, err = os.MkdirTemp("", "recall-pg-"); err != nil {
			return nil, fmt.Errorf("postgres: temp dir: %w", err)
		}
		p.temp = true
	}
	if p.port == 0 {
		if p.port, err = freePort(); err != nil {
			return nil, err
		}
	}
	if err := p.initdb(ctx, bin, cred); err != nil {
		p.cleanup()
		return nil, err
	}
	if err := p.start(ctx, bin, cred, opts); err != nil {
		p.cleanup()
		return nil, err
	}
	if err := p.ensureDatabase(ctx, p.database); err != nil {
		_ = p.Stop()
		return nil, err
	}
	return p, nil
}

func postgresBin(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("RECALL_PG_BIN")
	}
	if dir == "" {
		dir = DefaultBin
	}
	for _, b := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("%w: %s missing in %s", ErrMissing, b, dir)
		}
	}
	return dir, nil
}

// serverCredential is nil when the caller may run PostgreSQL itself, else the postgres user.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("postgres: running as root needs a 'postgres' user to own the cluster (apt-get install -y postgresql-15 creates it): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (p *Cluster) dataDir() string { return filepath.Join(p.dir, "data") }

func (p *Cluster) initdb(ctx context.Context, bin string, cred *syscall.Credential) error {
	if _, err := os.Stat(filepath.Join(p.dataDir(), "PG_VERSION")); err == nil {
		return nil
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if cred != nil {
		if err := os.Chown(p.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("postgres: chown %s: %w", p.dir, err)
		}
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", p.dataDir(),
		"-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("postgres: initdb: %w\n%s", err, out)
	}
	return nil
}

func (p *Cluster) start(ctx context.Context, bin string, cred *syscall.Credential, opts Options) error {
	settings := map[string]string{
		"listen_addresses":        "127.0.0.1",
		"port":                    strconv.Itoa(p.port),
		"unix_socket_directories": p.dir,
		"wal_level":               "logical",
		"max_replication_slots":   "20",
		"max_wal_senders":         "20",
		"max_connections":         "200",
		"max_slot_wal_keep_size":  "4GB",
		"shared_buffers":          "256MB",
		"logging_collector":       "off",
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	args := []string{"-D", p.dataDir()}
	for k, v := range settings {
		args = append(args, "-c", k+"="+v)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	// Pdeathsig: an interrupted or killed test binary takes its cluster down with it.
	// SIGQUIT is PostgreSQL's immediate shutdown.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	cmd.Dir = p.dir
	if opts.Log != nil {
		cmd.Stdout, cmd.Stderr = opts.Log, opts.Log
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("postgres: start postgres: %w", err)
	}
	p.cmd = cmd
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(p.done) }()
	return p.waitReady(ctx, &waitErr)
}

func (p *Cluster) waitReady(ctx context.Context, waitErr *error) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		conn, err := pgx.Connect(ctx, p.URL("postgres"))
		if err == nil {
			return conn.Close(ctx)
		}
		select {
		case <-p.done:
			return fmt.Errorf("postgres: postgres exited during start-up (%v); is port %d free?", *waitErr, p.port)
		case <-ctx.Done():
			return fmt.Errorf("postgres: postgres not ready: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *Cluster) ensureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: create database %s: %w", name, err)
	}
	return nil
}

// CreateDatabase creates a fresh, empty database and returns its URL. Tests use one each.
func (p *Cluster) CreateDatabase(ctx context.Context, name string) (string, error) {
	if err := p.ensureDatabase(ctx, name); err != nil {
		return "", err
	}
	return p.URL(name), nil
}

// URL is the connection string of database db as the superuser "postgres".
func (p *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, db)
}

// DatabaseURL is the connection string of the cluster's default database.
func (p *Cluster) DatabaseURL() string { return p.URL(p.database) }

// Port is the loopback port the cluster listens on.
func (p *Cluster) Port() int { return p.port }

// Dir is the folder holding the cluster.
func (p *Cluster) Dir() string { return p.dir }

// Restart stops the server cleanly and starts it again on the same port and data, as a
// fault test needs ("restart PostgreSQL"), with the binaries, settings and log it was
// started with.
func (p *Cluster) Restart(ctx context.Context) error {
	if err := p.shutdown(syscall.SIGINT); err != nil {
		return err
	}
	p.done = make(chan struct{})
	p.stopOnce = sync.Once{}
	cred, err := serverCredential()
	if err != nil {
		return err
	}
	return p.start(ctx, p.bin, cred, p.opts)
}

// Stop shuts the server down (fast mode) and removes a temporary cluster.
func (p *Cluster) Stop() error {
	p.stopOnce.Do(func() {
		p.stopErr = p.shutdown(syscall.SIGINT)
		p.cleanup()
	})
	return p.stopErr
}

func (p *Cluster) shutdown(sig syscall.Signal) error {
	if p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return nil
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.New("postgres: postgres did not stop within 30s; killed")
	}
}

func (p *Cluster) cleanup() {
	if p.temp {
		_ = os.RemoveAll(p.dir)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("postgres: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Tool is the path of a PostgreSQL program (pg_dump, psql) in the folder of the server
// binaries: RECALL_PG_BIN, or DefaultBin.
func Tool(name string) (string, error) {
	dir, err := postgresBin("")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}
