package projector

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/ops"
	"github.com/recall-events/recall/ops/tracing"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/projector/welcome"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
	"github.com/recall-events/recall/schemas"
)

// Run runs the projector until ctx ends; see the package doc.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if err := pgmigrate.Up(ctx, cfg.DatabaseURL, readmodel.Migrations); err != nil {
		return fmt.Errorf("projector: %w", err)
	}
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("projector: database: %w", err)
	}
	defer pool.Close()
	srOpts, err := cfg.Auth.RegistryOpts()
	if err != nil {
		return fmt.Errorf("projector: %w", err)
	}
	kafkaOpts, err := cfg.Auth.KafkaOpts()
	if err != nil {
		return fmt.Errorf("projector: %w", err)
	}
	srcl, err := sr.NewClient(append(srOpts, sr.URLs(cfg.RegistryURL))...)
	if err != nil {
		return fmt.Errorf("projector: schema registry client: %w", err)
	}
	first := versions.For(users.Name, cfg.UsersVersion, cfg.Topic, readmodel.UsersTable(cfg.UsersVersion))
	if err := versions.Ensure(ctx, pool, first); err != nil {
		return fmt.Errorf("projector: %w", err)
	}
	admin, err := kgo.NewClient(append(kafkaOpts, kgo.SeedBrokers(cfg.Brokers...))...)
	if err != nil {
		return fmt.Errorf("projector: kafka admin client: %w", err)
	}
	defer admin.Close()

	keys, closeKeys, err := openKeys(ctx, cfg, pool)
	if err != nil {
		return err
	}
	defer closeKeys()
	tp, flushSpans, err := tracing.Resolve(cfg.TracerProvider, cfg.Tracing, "projector")
	if err != nil {
		return fmt.Errorf("projector: %w", err)
	}
	// Deferred after the pool's and the clients' closes, so it runs first: after ops.Run
	// has stopped the runners, whose last spans have ended.
	defer func() {
		if err := flushSpans(context.Background()); err != nil {
			log.Warn("spans not flushed", "err", err)
		}
	}()
	p := &process{cfg: cfg, log: log, pool: pool, admin: admin, decoder: schemas.NewDecoder(srcl),
		metrics: projection.NewMetrics(reg), users: map[int]*running{}, kafkaOpts: kafkaOpts, keys: keys}
	if tracing.Enabled(tp) {
		p.tracer = tp.Tracer(tracing.Scope("projector"))
	}
	reg.MustRegister(&projection.OpenDeadLetters{DB: pool, Names: p.names, Logger: log})
	if ring, err := cfg.verifier(); err != nil {
		return fmt.Errorf("projector: %w", err)
	} else if ring != nil {
		p.verifier = ring
		log.Info("record signatures are verified", "keys", cfg.RecordKeys != "")
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("projector: listen %s: %w", cfg.ListenAddr, err)
	}
	log.Info("projector starting", "topic", cfg.Topic)
	serve := func(ln net.Listener, h http.Handler) func(context.Context) error {
		return func(ctx context.Context) error {
			return ops.Serve(ctx, ln, h, ops.ServeOptions{Logger: log, ShutdownTimeout: cfg.ShutdownGrace})
		}
	}
	parts := []func(context.Context) error{p.run}
	if cfg.OpsAddr != "" {
		opsLn, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.OpsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("projector: listen %s: %w", cfg.OpsAddr, err)
		}
		// /metrics only on the ops listener: the listen address keeps the probes.
		parts = append(parts, serve(opsLn, p.opsHandler(reg)), serve(ln, p.opsHandler(nil)))
	} else {
		parts = append(parts, serve(ln, p.opsHandler(reg)))
	}
	err = ops.Run(ctx, parts...)
	log.Info("projector stopped")
	return err
}

// openKeys opens the keyring on the event store's database (the read models' pool when
// they share it). command-api migrates subject_keys; until it has, reading a key fails
// and the record is retried.
func openKeys(ctx context.Context, cfg Config, pool *pgxpool.Pool) (*subjectkeys.Keyring, func(), error) {
	kek, err := subjectkeys.ParseKEK(cfg.KEK)
	if err != nil {
		return nil, nil, fmt.Errorf("projector: %w", err)
	}
	url, keysPool, closeFn := cfg.KeysDatabaseURL, pool, func() {}
	if url == "" {
		url = cfg.DatabaseURL
	}
	if url != cfg.DatabaseURL {
		if keysPool, err = pgxpool.New(ctx, url); err != nil {
			return nil, nil, fmt.Errorf("projector: keys database: %w", err)
		}
		closeFn = keysPool.Close
	}
	return subjectkeys.New(keysPool, kek, subjectkeys.Options{}), closeFn, nil
}

// process holds Run's long-lived parts.
type process struct {
	cfg     Config
	log     *slog.Logger
	pool    *pgxpool.Pool
	admin   *kgo.Client
	decoder *schemas.Decoder
	// kafkaOpts secure every client (kafkaauth).
	kafkaOpts []kgo.Opt
	// verifier checks record signatures; nil (never a typed nil) verifies nothing.
	verifier projection.Verifier
	metrics  *projection.Metrics
	keys     *subjectkeys.Keyring
	tracer   trace.Tracer // nil: tracing off

	mu      sync.Mutex
	users   map[int]*running
	welcome *running
}

// running is one started Runner.
type running struct {
	runner *projection.Runner
	cancel context.CancelFunc
	done   chan struct{}
}

func (p *process) run(ctx context.Context) error {
	if p.cfg.WelcomeEmail {
		if err := p.startWelcome(ctx); err != nil {
			return err
		}
	}
	p.reconcile(ctx)
	t := time.NewTicker(p.cfg.ReconcileInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			p.stopAll()
			return nil
		case <-t.C:
			p.reconcile(ctx)
		}
	}
}

// reconcile runs exactly the users versions the projections table wants run
// (building or live) that this build knows.
func (p *process) reconcile(ctx context.Context) {
	vs, err := versions.List(ctx, p.pool, users.Name)
	if err != nil {
		p.log.Warn("reading projections table", "err", err)
		return
	}
	want := map[int]versions.Version{}
	for _, v := range vs {
		if v.State == versions.Retired {
			continue
		}
		if !readmodel.UsersSupported(v.Version) {
			p.log.Warn("projection version unknown to this build; not running it", "version", v.Version, "state", v.State)
			continue
		}
		want[v.Version] = v
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for n, r := range p.users {
		select {
		case <-r.done: // exited on its own: start again below
			delete(p.users, n)
			continue
		default:
		}
		if _, ok := want[n]; !ok {
			p.log.Info("stopping users projection version", "version", n)
			r.cancel()
			<-r.done
			delete(p.users, n)
			p.metrics.Forget(usersProjection(n))
		}
	}
	for n, v := range want {
		if p.users[n] != nil {
			continue
		}
		r, err := p.startUsers(ctx, v)
		if err != nil {
			p.log.Error("starting users projection version", "version", n, "err", err)
			continue
		}
		p.users[n] = r
	}
}

func (p *process) startUsers(ctx context.Context, v versions.Version) (*running, error) {
	if err := readmodel.SetupUsers(ctx, p.pool, v.Version); err != nil {
		return nil, err
	}
	h, err := users.New(p.pool, v.Version, p.keys)
	if err != nil {
		return nil, err
	}
	h.Tracer = p.tracer
	return p.start(ctx, usersProjection(v.Version), v.ConsumerGroup, v.DLQTopic, h)
}

// usersProjection is the projection label of a users version: users.v<N>.
func usersProjection(version int) string { return users.Name + ".v" + strconv.Itoa(version) }

func (p *process) startWelcome(ctx context.Context) error {
	var sender welcome.Sender = welcome.LogSender{Logger: p.log}
	if p.cfg.SMTPHost != "" {
		sender = p.cfg.smtpSender()
	}
	h := welcome.New(p.pool, sender, welcome.Options{From: p.cfg.SMTPFrom, Logger: p.log, Keys: p.keys})
	r, err := p.start(ctx, welcome.Name, welcome.Group, versions.DLQTopic(welcome.Group), h)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.welcome = r
	p.mu.Unlock()
	return nil
}

func (p *process) start(ctx context.Context, name, group, dlq string, h projection.Handler) (*running, error) {
	if err := projection.EnsureTopics(ctx, p.admin, dlq); err != nil {
		return nil, err
	}
	r, err := projection.New(projection.Config{
		Name: name, Group: group, Topic: p.cfg.Topic, DLQTopic: dlq, Brokers: p.cfg.Brokers,
		Decoder: p.decoder, Verifier: p.verifier, Handler: h, Pool: p.pool, Metrics: p.metrics, Logger: p.log,
		MaxAttempts: p.cfg.MaxAttempts, ShutdownGrace: p.cfg.ShutdownGrace,
		Backoff:    projection.Backoff{Base: p.cfg.BackoffBase, Max: p.cfg.BackoffMax},
		KafkaOpts:  append([]kgo.Opt{kgo.SessionTimeout(p.cfg.SessionTimeout)}, p.kafkaOpts...),
		InstanceID: p.cfg.instanceID(), StallAfter: p.cfg.StallAfter, Tracer: p.tracer,
	})
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithCancel(ctx)
	run := &running{runner: r, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(run.done)
		if err := r.Run(rctx); err != nil {
			p.log.Error("projection stopped with an error", "projection", name, "err", err)
		}
	}()
	return run, nil
}

// stopAll stops every runner concurrently (each finishes its batch) and waits.
func (p *process) stopAll() {
	p.mu.Lock()
	all := p.runners()
	p.mu.Unlock()
	for _, r := range all {
		r.cancel()
	}
	for _, r := range all {
		<-r.done
	}
}

// names are the projections this process runs, for the dead-letter gauge.
func (p *process) names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.users)+1)
	for v := range p.users {
		out = append(out, users.Name+".v"+strconv.Itoa(v))
	}
	if p.welcome != nil {
		out = append(out, welcome.Name)
	}
	return out
}

// stalled names the runners with a partition lagging without committed
// progress for StallAfter.
func (p *process) stalled() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, r := range p.runners() {
		if s := r.runner.Stalled(); len(s) > 0 {
			out = append(out, fmt.Sprintf("%s: partitions %v", r.runner.Name(), s))
		}
	}
	return out
}

// runners lists every started runner; p.mu must be held.
func (p *process) runners() []*running {
	all := make([]*running, 0, len(p.users)+1)
	for _, r := range p.users {
		all = append(all, r)
	}
	if p.welcome != nil {
		all = append(all, p.welcome)
	}
	return all
}

// ready reports whether every runner has joined its group.
func (p *process) ready() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.users) == 0 {
		return false
	}
	for _, r := range p.users {
		if !r.runner.Ready() {
			return false
		}
	}
	return p.welcome == nil || p.welcome.runner.Ready()
}
