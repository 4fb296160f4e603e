package commandapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/command-api/internal/app"
	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/httpapi"
	"github.com/recall-events/recall/command-api/internal/metrics"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/ops"
	"github.com/recall-events/recall/ops/tracing"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
)

// Run migrates, bootstraps the admin when an admin password is set (or embedded), and
// serves until ctx ends; then it drains (see the package doc) and returns nil after a
// clean shutdown. The server and the idempotency purge are one run group: either failing
// stops the other.
func Run(ctx context.Context, cfg Config) error {
	p, err := build(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.close()
	if cfg.adminPassword() != "" {
		if err := p.bootstrap(ctx, cfg); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("commandapi: listen: %w", err)
	}
	parts := []func(context.Context) error{p.serve(ln, cfg), p.purgeIdempotency(cfg.IdempotencyPurgeInterval)}
	if cfg.OpsAddr != "" {
		opsLn, err := net.Listen("tcp", cfg.OpsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("commandapi: listen (ops): %w", err)
		}
		parts = append(parts, func(ctx context.Context) error {
			return ops.Serve(ctx, opsLn, p.ops, ops.ServeOptions{ShutdownTimeout: cfg.ShutdownTimeout, Logger: p.log})
		})
	}
	err = ops.Run(ctx, parts...)
	p.log.Info("stopped")
	return err
}

// BootstrapAdmin migrates and creates the admin (cfg.AdminUsername/AdminPassword) when
// the username is free; the subcommand form of what Run does on start.
func BootstrapAdmin(ctx context.Context, cfg Config) error {
	if cfg.adminPassword() == "" {
		return errors.New("commandapi: RECALL_ADMIN_PASSWORD is empty")
	}
	p, err := build(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.close()
	return p.bootstrap(ctx, cfg)
}

// process is one command-api's wired parts.
type process struct {
	log      *slog.Logger
	pool     *pgxpool.Pool
	readPool *pgxpool.Pool // the read models' pool when apart from pool; else nil
	reads    *readmodel.Store
	svc      *app.Service
	handlers app.Handlers
	http     http.Handler
	ops      http.Handler // the ops listener's (Config.OpsAddr); nil without one
	draining atomic.Bool
	// metrics is set once wire has created them; the read model's listener, started
	// before, reports the apply → visible hop through it.
	metrics atomic.Pointer[metrics.Metrics]
	tracer  trace.TracerProvider
	// flushSpans flushes the provider built from cfg.Tracing (none when injected).
	flushSpans func(context.Context) error
}

func build(ctx context.Context, cfg Config) (*process, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("commandapi: config: %w", err)
	}
	p := &process{log: logger(cfg)}
	if err := migrate(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	pool, err := openPool(ctx, "database", cfg.DatabaseURL, cfg.MaxConns, cfg.DBRole)
	if err != nil {
		return nil, err
	}
	p.pool = pool
	// pgxpool connects lazily: when the role cannot be assumed, fail at start rather than
	// on the first request.
	if err := pool.Ping(ctx); err != nil {
		p.close()
		return nil, err
	}
	if err := p.openReads(ctx, cfg); err != nil {
		p.close()
		return nil, err
	}
	tp, flush, err := tracing.Resolve(cfg.TracerProvider, cfg.Tracing, "command-api")
	if err != nil {
		p.close()
		return nil, fmt.Errorf("commandapi: %w", err)
	}
	p.tracer, p.flushSpans = tp, flush
	if err := p.wire(ctx, cfg); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// keys opens the keyring and reads (or creates) the claim key.
func (p *process) keys(ctx context.Context, cfg Config) (*subjectkeys.Keyring, []byte, error) {
	kek, err := subjectkeys.ParseKEK(cfg.KEK)
	if err != nil {
		return nil, nil, err
	}
	keys := subjectkeys.New(p.pool, kek, subjectkeys.Options{})
	claimKey, err := keys.ClaimKey(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("commandapi: %w", err)
	}
	return keys, claimKey, nil
}

// eraseLegacy removes what an older release kept in plaintext beside the events: claims
// become keyed hashes, snapshots of the plaintext state format are deleted (the sealed
// format replaces them as users are loaded).
func (p *process) eraseLegacy(ctx context.Context, store *eventstore.Store) error {
	n, err := p.svc.HashLegacyClaims(ctx)
	if err != nil {
		return fmt.Errorf("commandapi: hash legacy claims: %w", err)
	}
	m, err := store.DeleteSnapshotsBelow(ctx, user.AggregateType, user.StateVersion)
	if err != nil {
		return fmt.Errorf("commandapi: delete plaintext snapshots: %w", err)
	}
	if n > 0 || m > 0 {
		p.log.Info("erased plaintext left by an older release", slog.Int("claims_hashed", n), slog.Int64("snapshots_deleted", m))
	}
	return nil
}

// openReads opens the read-model store: on the write pool unless ReadDatabaseURL names
// another database. The projector migrates and fills that database, not command-api.
func (p *process) openReads(ctx context.Context, cfg Config) error {
	pool := p.pool
	if cfg.ReadDatabaseURL != "" && cfg.ReadDatabaseURL != cfg.DatabaseURL {
		rp, err := openPool(ctx, "read database", cfg.ReadDatabaseURL, cfg.MaxConns, cfg.DBRole)
		if err != nil {
			return err
		}
		p.readPool, pool = rp, rp
	}
	p.reads = readmodel.New(pool, readmodel.Options{Visible: func(d time.Duration) {
		if m := p.metrics.Load(); m != nil {
			m.ApplyToVisible.Observe(d.Seconds())
		}
	}})
	p.reads.Listen()
	return nil
}

// close stops the read model's LISTEN connection before the pools it borrowed it from,
// then flushes the spans: Run calls it after ops.Run has drained the requests, so the
// last requests' spans are exported.
func (p *process) close() {
	defer func() {
		if p.flushSpans == nil {
			return
		}
		if err := p.flushSpans(context.Background()); err != nil {
			p.log.Warn("spans not flushed", slog.String("error", err.Error()))
		}
	}()
	if p.reads != nil {
		p.reads.Close()
	}
	if p.readPool != nil {
		p.readPool.Close()
	}
	p.pool.Close()
}

func migrate(ctx context.Context, url string) error {
	if err := pgmigrate.Up(ctx, url, eventstore.Migrations, subjectkeys.Migrations, credentials.Migrations); err != nil {
		return fmt.Errorf("commandapi: %w", err)
	}
	return nil
}

// openPool opens the pool of one database; what names it in errors. Every connection
// assumes role (unless empty) before its first use, so the runtime has only the grants of
// the restricted role; migrations open their own connections as the login user.
func openPool(ctx context.Context, what, url string, maxConns int32, role string) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("commandapi: %s url: %w", what, err)
	}
	if maxConns > 0 {
		pc.MaxConns = maxConns
	}
	if role != "" {
		set := "SET ROLE " + pgx.Identifier{role}.Sanitize()
		pc.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
			if _, err := conn.Exec(ctx, set); err != nil {
				return fmt.Errorf("commandapi: %s: assume role %s (the login user must be a member of it; RECALL_DB_ROLE=none disables): %w", what, role, err)
			}
			return nil
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("commandapi: %s: %w", what, err)
	}
	return pool, nil
}

func (p *process) wire(ctx context.Context, cfg Config) error {
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := metrics.New(reg)
	p.metrics.Store(m)
	hasher := cfg.Login.hasher(cfg.Argon2, runtime.GOMAXPROCS(0))
	metrics.HashQueue(reg, hasher.Waiting)
	keys, claimKey, err := p.keys(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.unsealedBaseline {
		keys = nil // app.Service without keys writes the plaintext versions
	}
	store := eventstore.New(p.pool)
	svc, err := app.NewService(store, app.Options{
		SnapshotEvery: cfg.SnapshotEvery, MaxConflictRetries: cfg.MaxConflictRetries,
		Hasher: hasher, Metrics: m, Validate: validateEvent, Lockout: cfg.Login.lockout(),
		Keys: keys, ClaimKey: claimKey, Tracer: p.tracer.Tracer(tracing.Scope("command-api")),
	})
	if err != nil {
		return err
	}
	p.svc = svc
	if err := p.eraseLegacy(ctx, store); err != nil {
		return err
	}
	p.svc, p.handlers = svc, decorate(svc.Handlers(), p.log, m)
	secret, err := cfg.secret()
	if err != nil {
		return err
	}
	tokens := auth.NewTokens(secret, cfg.TokenTTL)
	deps := httpapi.Deps{
		Service: svc, Handlers: p.handlers, Tokens: tokens, Metrics: m, Gatherer: reg, Logger: p.log,
		Draining: p.draining.Load, MaxBodyBytes: cfg.MaxBodyBytes, RequireIfMatch: cfg.RequireIfMatch,
		IdempotencyKey: idempotencyKey(secret), IdempotencyTTL: cfg.IdempotencyTTL, ReadModel: p.reads,
		Limits: cfg.Login.httpLimits(), TrustedProxies: cfg.TrustedProxies, CORSOrigins: cfg.CORSOrigins,
		MaxReadWaits: cfg.MaxReadWaits, MaxReadWaitsPerCaller: cfg.MaxReadWaitsPerCaller,
		TracerProvider: p.tracer,
	}
	if cfg.OpsAddr != "" { // /metrics only on the ops listener
		p.ops = httpapi.OpsHandler(deps)
		deps.Gatherer = nil
	}
	p.http = httpapi.New(deps)
	return nil
}

// validateEvent is the Avro contract check before every append.
func validateEvent(eventType string, version int, data []byte) error {
	return schemas.Validate(eventType, version, data)
}

func decorate(h app.Handlers, log *slog.Logger, m *metrics.Metrics) app.Handlers {
	return app.Handlers{
		CreateUser: app.Decorate(h.CreateUser, log, m), UpdateUser: app.Decorate(h.UpdateUser, log, m),
		ChangePassword: app.Decorate(h.ChangePassword, log, m), ChangeRole: app.Decorate(h.ChangeRole, log, m),
		DeleteUser: app.Decorate(h.DeleteUser, log, m), RestoreUser: app.Decorate(h.RestoreUser, log, m),
		ForgetUser: app.Decorate(h.ForgetUser, log, m),
	}
}

// idempotencyKey derives the fingerprint HMAC key from the JWT secret, so operators
// manage one secret and the two uses never share a key.
func idempotencyKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("recall command-api idempotency fingerprint v1"))
	return m.Sum(nil)
}

func logger(cfg Config) *slog.Logger {
	if cfg.Logger != nil {
		return cfg.Logger
	}
	out := cfg.LogOutput
	if out == nil {
		out = os.Stderr
	}
	return slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: cfg.LogLevel})).With("service", "command-api")
}

func (p *process) bootstrap(ctx context.Context, cfg Config) error {
	created, err := p.svc.BootstrapAdmin(ctx, p.handlers.CreateUser, cfg.AdminUsername, cfg.adminPassword())
	if err != nil {
		return err
	}
	p.log.Info("bootstrap admin", slog.String("username", cfg.AdminUsername), slog.Bool("created", created))
	return nil
}

// serve is the run-group part serving the API on ln. When ctx ends it fails /readyz
// first, keeps serving for ShutdownDelay so load balancers stop sending, then drains
// in-flight requests for up to ShutdownTimeout.
func (p *process) serve(ln net.Listener, cfg Config) func(context.Context) error {
	return func(ctx context.Context) error {
		srv := &http.Server{ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadTimeout,
			WriteTimeout: cfg.WriteTimeout, IdleTimeout: cfg.IdleTimeout, MaxHeaderBytes: 64 << 10}
		serving, stopServing := context.WithCancel(context.WithoutCancel(ctx))
		defer stopServing()
		go p.drain(ctx, serving, stopServing, cfg.ShutdownDelay)
		if cfg.Ready != nil {
			cfg.Ready(ln.Addr().String())
		}
		return ops.Serve(serving, ln, p.http, ops.ServeOptions{Server: srv, ShutdownTimeout: cfg.ShutdownTimeout, Logger: p.log})
	}
}

// drain waits for ctx to end, marks the process draining (/readyz fails), waits delay,
// then ends serving; it returns early when serving has ended on its own.
func (p *process) drain(ctx, serving context.Context, stopServing context.CancelFunc, delay time.Duration) {
	select {
	case <-ctx.Done():
	case <-serving.Done():
		return
	}
	p.draining.Store(true)
	p.log.Info("shutting down", slog.Duration("delay", delay))
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-serving.Done():
	}
	stopServing()
}
