package rig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/kafkaauth"
	"github.com/recall-events/recall/stack"
)

// ErrExternal: the operation needs a Recall this rig started.
var ErrExternal = errors.New("rig: not possible on a Recall the harness did not start")

// Options shape a rig started by Start. Zero values are the embedded defaults.
type Options struct {
	// Logs receives every service's output; nil discards it.
	Logs io.Writer
	// APIMaxConns is command-api's database pool size; 0 is its default (pgxpool's).
	APIMaxConns int32
	// CheapPasswords lowers argon2id's cost so tests can create users quickly; the
	// benchmarks keep the production default.
	CheapPasswords bool
	// Partitions of the event topic the relay creates; 0 is the relay's default (12).
	Partitions int
	// ProjectorEnv is added to every projector start, e.g. a short
	// RECALL_PROJECTOR_SESSION_TIMEOUT so a killed member's partitions move sooner.
	ProjectorEnv []string
}

// Rig is one Recall and the clients the harness uses on it.
type Rig struct {
	DatabaseURL string
	APIURL      string
	RegistryURL string
	Brokers     []string
	// KafkaOpts secure the harness's Kafka clients (kafkaauth: TLS, SASL) on an
	// attached Recall; none on a rig Start made (its broker is local and open).
	KafkaOpts     []kgo.Opt
	KEK           string // the key-encryption key of the stack's data directory
	AdminUser     string
	AdminPassword string

	Pool  *pgxpool.Pool
	Store *eventstore.Store

	opts      Options
	jwtSecret string
	dir       string
	stack     *stack.Stack
	kafkaAddr string
	bins      map[string]string
	api       *inProcessAPI
	services  services
	keep      bool
}

// Start starts a Recall on this machine; see the package doc. Close it.
func Start(ctx context.Context, opts Options) (*Rig, error) {
	if opts.Logs == nil {
		opts.Logs = io.Discard
	}
	dir, err := os.MkdirTemp("", "recall-bench-")
	if err != nil {
		return nil, err
	}
	_ = os.Chmod(dir, 0o755) // the cluster runs as postgres when we are root
	r := &Rig{opts: opts, dir: dir, AdminUser: "admin", AdminPassword: "recall-admin"}
	built := make(chan error, 1)
	go func() { built <- r.build(ctx) }()
	if err := r.startStack(ctx); err != nil {
		<-built
		r.Close()
		return nil, err
	}
	if err := <-built; err != nil {
		r.Close()
		return nil, err
	}
	if err := r.startAPI(ctx); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.connect(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// startStack starts the dependencies on free ports. A port found free here can be taken
// again before the stack listens on it (an ephemeral port handed to an outgoing connection
// of another process in between: seen on a busy CI machine), so a busy port means picking
// new ones, a few times, rather than a failed run.
func (r *Rig) startStack(ctx context.Context) error {
	var err error
	for range 3 {
		var busy *stack.BusyPortError
		if err = r.startStackOn(ctx); !errors.As(err, &busy) {
			return err
		}
	}
	return err
}

func (r *Rig) startStackOn(ctx context.Context) error {
	ports, err := freeAddrs(4)
	if err != nil {
		return err
	}
	_, pgPort, _ := net.SplitHostPort(ports[0])
	opts := stack.Options{DataDir: r.dir, KafkaAddr: ports[1], RegistryAddr: ports[2], APIAddr: ports[3],
		Logs: r.opts.Logs, Without: []string{"relay", "projector", "command-api"}}
	fmt.Sscan(pgPort, &opts.PostgresPort)
	s, err := stack.Start(ctx, opts)
	if err != nil {
		return fmt.Errorf("rig: %w", err)
	}
	r.stack, r.kafkaAddr = s, ports[1]
	r.DatabaseURL, r.RegistryURL, r.Brokers, r.KEK = s.DatabaseURL, s.RegistryURL, s.Brokers, s.KEK
	r.APIURL = "http://" + ports[3]
	return nil
}

func (r *Rig) connect(ctx context.Context) error {
	cfg, err := pgxpool.ParseConfig(r.DatabaseURL)
	if err != nil {
		return fmt.Errorf("rig: %w", err)
	}
	// The harness's own clients (raw appends at 32 clients, watchers) need their own
	// connections; the pool default (max(4, NumCPU)) would queue them.
	cfg.MaxConns = 64
	if r.Pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("rig: %w", err)
	}
	r.Store = eventstore.New(r.Pool)
	return nil
}

// Attach targets a running Recall described by environment variables:
// RECALL_BENCH_API_URL, RECALL_BENCH_DATABASE_URL, RECALL_BENCH_BROKERS (comma-separated),
// RECALL_BENCH_REGISTRY_URL, RECALL_BENCH_ADMIN_PASSWORD (default recall-admin), and the
// brokers' TLS and SASL settings under the services' own names (RECALL_KAFKA_TLS*,
// RECALL_KAFKA_SASL_*; ops/kafkaauth): a production Kafka needs the same as the relay.
func Attach(ctx context.Context, getenv func(string) string) (*Rig, error) {
	r := &Rig{APIURL: getenv("RECALL_BENCH_API_URL"), DatabaseURL: getenv("RECALL_BENCH_DATABASE_URL"),
		RegistryURL: getenv("RECALL_BENCH_REGISTRY_URL"), AdminUser: "admin", AdminPassword: getenv("RECALL_BENCH_ADMIN_PASSWORD")}
	for _, b := range strings.Split(getenv("RECALL_BENCH_BROKERS"), ",") {
		if b = strings.TrimSpace(b); b != "" {
			r.Brokers = append(r.Brokers, b)
		}
	}
	if r.AdminPassword == "" {
		r.AdminPassword = "recall-admin"
	}
	if r.APIURL == "" || r.DatabaseURL == "" || len(r.Brokers) == 0 {
		return nil, errors.New("rig: attach needs RECALL_BENCH_API_URL, RECALL_BENCH_DATABASE_URL and RECALL_BENCH_BROKERS")
	}
	var auth kafkaauth.Config
	fs := pflag.NewFlagSet("attach", pflag.ContinueOnError)
	auth.Flags(fs)
	if err := envflag.Parse(fs, nil, getenv); err != nil {
		return nil, fmt.Errorf("rig: attach: %w", err)
	}
	if err := auth.Validate(); err != nil {
		return nil, fmt.Errorf("rig: attach: %w", err)
	}
	var err error
	if r.KafkaOpts, err = auth.KafkaOpts(); err != nil {
		return nil, fmt.Errorf("rig: attach: %w", err)
	}
	return r, r.connect(ctx)
}

// External reports whether the rig targets a Recall it did not start.
func (r *Rig) External() bool { return r.stack == nil }

// Close stops what Start started (services gracefully, then the dependencies) and removes
// its folder. On an attached rig it only closes the harness's clients.
func (r *Rig) Close() {
	r.services.stopAll()
	if r.Pool != nil {
		r.Pool.Close()
	}
	if r.api != nil {
		r.api.stop()
	}
	if r.stack != nil {
		_ = r.stack.Stop()
	}
	if r.dir != "" && !r.keep {
		_ = os.RemoveAll(r.dir)
	}
}

// Keep leaves the work folder (the processes' logs, the data) in place at Close, for a
// failed run to be examined.
func (r *Rig) Keep() { r.keep = true }

// Dir is the rig's work folder (logs, binaries, data).
func (r *Rig) Dir() string { return filepath.Clean(r.dir) }

func freeAddrs(n int) ([]string, error) {
	out := make([]string, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("rig: free port: %w", err)
		}
		ls = append(ls, l) // held until all are picked, so no two are the same
		out = append(out, l.Addr().String())
	}
	return out, nil
}
