package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/devstack/postgres"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/ops/tracing"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/projector"
	"github.com/recall-events/recall/relay"
)

// Options say where the stack keeps its data and listens. Zero values are the embedded
// defaults (the ports in the README's Try it); Ephemeral swaps every address for a free port.
type Options struct {
	// DataDir keeps PostgreSQL and Kafka data across runs; empty: a temporary folder.
	DataDir string
	// Ephemeral: free ports everywhere and a temporary folder (tests).
	Ephemeral bool

	PostgresPort    int    // 55432
	KafkaAddr       string // 127.0.0.1:9092
	RegistryAddr    string // 127.0.0.1:8081
	APIAddr         string // 127.0.0.1:8080
	RelayListen     string // 127.0.0.1:9101
	ProjectorListen string // 127.0.0.1:9102

	AdminPassword string // the bootstrap admin's; default recall-admin
	// Logs receives every service's JSON logs; nil: stderr.
	Logs io.Writer
	// Tracing is every service's span export (each builds its own provider, named by
	// service); the stdout exporter writes to Logs unless Tracing.Output says otherwise.
	Tracing tracing.Config
	// TracerProvider, when set, is given to every service instead (tests: one in-memory
	// exporter sees the whole pipeline); the caller shuts it down.
	TracerProvider trace.TracerProvider
	// Without names services not to run ("relay", "projector", "command-api"), e.g. for a
	// test that drives one part by hand.
	Without []string
	// Logins, when set, is called once PostgreSQL runs with the superuser's URL of the
	// database and returns the URL each part logs in with: "migrate" (the store's
	// migrations and the admin, as docker-compose's migrate service), "command-api",
	// "relay", "projector". Missing names use the superuser's. It lets a test run Recall
	// with least-privileged roles, as compose does.
	Logins func(ctx context.Context, superuser string) (map[string]string, error)
}

func (o *Options) defaults() error {
	if o.Ephemeral {
		ports := make([]string, 6)
		for i := range ports {
			addr, err := freeAddr()
			if err != nil {
				return err
			}
			ports[i] = addr
		}
		o.KafkaAddr, o.RegistryAddr, o.APIAddr, o.RelayListen, o.ProjectorListen = ports[0], ports[1], ports[2], ports[3], ports[4]
		_, p, _ := net.SplitHostPort(ports[5])
		fmt.Sscan(p, &o.PostgresPort)
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.KafkaAddr, devstack.DefaultKafkaAddr)
	def(&o.RegistryAddr, devstack.DefaultRegistryAddr)
	def(&o.APIAddr, "127.0.0.1:8080")
	def(&o.RelayListen, "127.0.0.1:9101")
	def(&o.ProjectorListen, "127.0.0.1:9102")
	def(&o.AdminPassword, commandapi.EmbeddedAdminPassword)
	if o.PostgresPort == 0 {
		o.PostgresPort = 55432
	}
	if o.Logs == nil {
		o.Logs = os.Stderr
	}
	if o.Tracing.Exporter == "" && o.Tracing.Endpoint == "" && o.Tracing.SampleRatio == 0 {
		o.Tracing.SampleRatio = tracing.DefaultConfig().SampleRatio // the zero Config: tracing's defaults
	}
	if o.Tracing.Output == nil {
		o.Tracing.Output = o.Logs
	}
	return nil
}

// Stack is a running Recall.
type Stack struct {
	Postgres *postgres.Cluster
	Kafka    *devstack.Kafka
	Registry *devstack.Registry

	DatabaseURL string
	// logins are the per-part URLs of Options.Logins; see url.
	logins map[string]string
	// KEK is the key-encryption key of the people's data keys (RECALL_KEK): read from
	// kek in the data directory, generated there (mode 0600) on the first run.
	KEK          string
	APIURL       string // http://host:port of command-api
	RelayURL     string // health and metrics of the relay
	ProjectorURL string // health and metrics of the projector
	Brokers      []string
	RegistryURL  string
	// JWTSecret signs command-api's tokens: generated per data directory (file
	// jwt-secret, mode 0600), so no two installations share one.
	JWTSecret string

	opts     Options
	tempDir  string
	mu       sync.Mutex
	services map[string]*service
	runErrs  []error
	stopOnce sync.Once
}

// service is one running service and how to start it again.
type service struct {
	run    func(context.Context) error
	cancel context.CancelFunc
	done   chan struct{}
}

// Start brings up the dependencies and the services and waits until all are ready.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	if err := opts.checkPorts(); err != nil {
		return nil, err
	}
	s := &Stack{opts: opts}
	if err := s.startDependencies(ctx); err != nil {
		s.stopDependencies()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.stopDependencies()
		return nil, err
	}
	s.services = map[string]*service{}
	s.startServices()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Stack) startDependencies(ctx context.Context) error {
	dir := s.opts.DataDir
	if dir == "" || s.opts.Ephemeral {
		var err error
		if dir, err = os.MkdirTemp("", "recall-stack-"); err != nil {
			return err
		}
		s.tempDir = dir
		_ = os.Chmod(dir, 0o755) // the postgres user must reach its folder inside
	}
	var err error
	if s.JWTSecret, err = loadOrCreateSecret(dir); err != nil {
		return err
	}
	if s.KEK, err = dataDirKEK(dir); err != nil {
		return err
	}
	pg, err := postgres.Start(ctx, postgres.Options{Dir: filepath.Join(dir, "postgres"), Port: s.opts.PostgresPort})
	if err != nil {
		return err
	}
	s.Postgres, s.DatabaseURL = pg, pg.DatabaseURL()
	s.Kafka, err = devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: s.opts.KafkaAddr, DataDir: filepath.Join(dir, "kafka")})
	if err != nil {
		return err
	}
	s.Brokers = s.Kafka.Addrs()
	s.Registry, err = devstack.StartRegistry(ctx, s.opts.RegistryAddr)
	if err != nil {
		return err
	}
	s.RegistryURL = s.Registry.URL()
	return nil
}

// migrate brings the event store up before any service starts. With Options.Logins it
// runs `command-api bootstrap-admin` as the "migrate" login instead, as compose does: the
// store's tables are then that role's, not the superuser's.
func (s *Stack) migrate(ctx context.Context) error {
	if s.opts.Logins == nil {
		return pgmigrate.Up(ctx, s.DatabaseURL, eventstore.Migrations, subjectkeys.Migrations)
	}
	var err error
	if s.logins, err = s.opts.Logins(ctx, s.DatabaseURL); err != nil {
		return err
	}
	cfg := s.commandAPIConfig()
	cfg.DatabaseURL = s.url("migrate")
	return commandapi.BootstrapAdmin(ctx, cfg)
}

// url is the database URL part logs in with.
func (s *Stack) url(part string) string {
	if u := s.logins[part]; u != "" {
		return u
	}
	return s.DatabaseURL
}

func (s *Stack) commandAPIConfig() commandapi.Config {
	cfg := commandapi.DefaultConfig()
	cfg.Embedded, cfg.JWTSecret, cfg.KEK = true, s.JWTSecret, s.KEK
	cfg.DatabaseURL, cfg.ListenAddr = s.url("command-api"), s.opts.APIAddr
	cfg.AdminPassword, cfg.Logger = s.opts.AdminPassword, s.logger("command-api")
	return cfg
}

func (s *Stack) without(name string) bool {
	for _, w := range s.opts.Without {
		if w == name {
			return true
		}
	}
	return false
}

func (s *Stack) logger(service string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(s.opts.Logs, nil)).With("service", service)
}

func (s *Stack) startServices() {
	s.APIURL = "http://" + s.opts.APIAddr
	s.RelayURL = "http://" + s.opts.RelayListen
	s.ProjectorURL = "http://" + s.opts.ProjectorListen
	if !s.without("relay") {
		cfg := relay.DefaultConfig()
		cfg.DatabaseURL, cfg.KafkaBrokers, cfg.SchemaRegistryURL = s.url("relay"), s.Brokers, s.RegistryURL
		cfg.Listen, cfg.Logger = s.opts.RelayListen, s.logger("relay")
		cfg.Tracing, cfg.TracerProvider = s.opts.Tracing, s.opts.TracerProvider
		s.add("relay", func(ctx context.Context) error { return relay.Run(ctx, cfg) })
	}
	if !s.without("projector") {
		cfg := projector.DefaultConfig()
		cfg.DatabaseURL, cfg.Brokers, cfg.RegistryURL = s.url("projector"), s.Brokers, s.RegistryURL
		cfg.ListenAddr, cfg.Logger, cfg.KEK = s.opts.ProjectorListen, s.logger("projector"), s.KEK
		cfg.Tracing, cfg.TracerProvider = s.opts.Tracing, s.opts.TracerProvider
		s.add("projector", func(ctx context.Context) error { return projector.Run(ctx, cfg) })
	}
	if !s.without("command-api") {
		cfg := s.commandAPIConfig()
		cfg.Tracing, cfg.TracerProvider = s.opts.Tracing, s.opts.TracerProvider
		s.add("command-api", func(ctx context.Context) error { return commandapi.Run(ctx, cfg) })
	}
}

func (s *Stack) add(name string, run func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	svc := &service{run: run}
	s.services[name] = svc
	s.launch(name, svc)
}

// launch runs svc in a goroutine; the caller holds s.mu.
func (s *Stack) launch(name string, svc *service) {
	ctx, cancel := context.WithCancel(context.Background())
	svc.cancel, svc.done = cancel, make(chan struct{})
	go func() {
		defer close(svc.done)
		if err := svc.run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.mu.Lock()
			s.runErrs = append(s.runErrs, fmt.Errorf("%s: %w", name, err))
			s.mu.Unlock()
		}
	}()
}

// StopService shuts one service down gracefully (e.g. the projector before an in-place
// reset) and waits for it.
func (s *Stack) StopService(name string) error {
	s.mu.Lock()
	svc, ok := s.services[name]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("stack: no service %q", name)
	}
	svc.cancel()
	<-svc.done
	return nil
}

// StartService starts a stopped service again and waits until it is ready.
func (s *Stack) StartService(ctx context.Context, name string) error {
	s.mu.Lock()
	svc, ok := s.services[name]
	if ok {
		select {
		case <-svc.done:
			s.launch(name, svc)
		default:
			s.mu.Unlock()
			return fmt.Errorf("stack: %s is running", name)
		}
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("stack: no service %q", name)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return waitHTTP(ctx, s.healthURL(name)+"/readyz", s.Err)
}

func (s *Stack) healthURL(name string) string {
	switch name {
	case "relay":
		return s.RelayURL
	case "projector":
		return s.ProjectorURL
	}
	return s.APIURL
}

// Err reports the services that stopped with an error so far.
func (s *Stack) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.runErrs...)
}

func (s *Stack) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for _, name := range []string{"relay", "projector", "command-api"} {
		if s.without(name) {
			continue
		}
		if err := waitHTTP(ctx, s.healthURL(name)+"/readyz", s.Err); err != nil {
			return fmt.Errorf("stack: %s not ready: %w", name, err)
		}
	}
	return nil
}

func waitHTTP(ctx context.Context, url string, failed func() error) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := failed(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Stop shuts the services down gracefully, then the dependencies.
func (s *Stack) Stop() error {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		running := make([]*service, 0, len(s.services))
		for _, svc := range s.services {
			running = append(running, svc)
		}
		s.mu.Unlock()
		for _, svc := range running {
			svc.cancel()
		}
		for _, svc := range running {
			<-svc.done
		}
		s.stopDependencies()
	})
	return s.Err()
}

func (s *Stack) stopDependencies() {
	if s.Registry != nil {
		s.Registry.Close()
	}
	if s.Kafka != nil {
		s.Kafka.Close()
	}
	if s.Postgres != nil {
		_ = s.Postgres.Stop()
	}
	if s.tempDir != "" {
		_ = os.RemoveAll(s.tempDir)
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// dataDirKEK reads the KEK kept in dir/kek, or generates one there, readable by its
// owner only (0600): the embedded run's key-encryption key is per data directory, never
// shipped. Losing the file loses every person's data in that directory.
func dataDirKEK(dir string) (string, error) {
	path := filepath.Join(dir, "kek")
	if b, err := os.ReadFile(path); err == nil {
		if _, err := subjectkeys.ParseKEK(string(b)); err != nil {
			return "", fmt.Errorf("stack: %s: %w", path, err)
		}
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("stack: %w", err)
	}
	kek, err := subjectkeys.GenerateKEK()
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(kek+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("stack: write %s: %w", path, err)
	}
	return kek, nil
}
