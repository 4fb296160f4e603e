package commandapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/tracing"

	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/httpapi"
	"github.com/recall-events/recall/eventstore/subjectkeys"
)

// EmbeddedAdminPassword is the bootstrap admin's password of the embedded run.
const EmbeddedAdminPassword = "recall-admin"

// Config is everything Run needs: DefaultConfig, then Flags (flags with RECALL_*
// environment twins), then Validate.
type Config struct {
	ListenAddr  string // RECALL_LISTEN_ADDR, default 127.0.0.1:8080
	DatabaseURL string // DATABASE_URL
	// ReadDatabaseURL is where the projector's read models live (projections, users_vN),
	// read by GET /v1/users[/{id}]. Empty: the same database and pool as DatabaseURL.
	ReadDatabaseURL string // RECALL_READ_DATABASE_URL
	// OpsAddr, when set, serves /livez, /readyz and /metrics on a listener of their own
	// and takes /metrics off ListenAddr, so the metrics (route and user counts, lockouts)
	// need not be reachable where clients are. Empty: /metrics on ListenAddr, as before.
	OpsAddr string // RECALL_OPS_ADDR
	// Embedded marks the one-machine default (make run): it allows the embedded admin
	// password and an empty JWTSecret (a random one per process; make run keeps one per
	// data directory), and refuses a listen address other than loopback. Never set it in
	// production.
	Embedded      bool          // RECALL_EMBEDDED
	JWTSecret     string        // RECALL_JWT_SECRET, ≥ 32 bytes, generated (checkJWTSecret)
	TokenTTL      time.Duration // RECALL_TOKEN_TTL, default 15m
	AdminUsername string        // RECALL_ADMIN_USERNAME, default admin
	AdminPassword string        // RECALL_ADMIN_PASSWORD; empty: no bootstrap (embedded: recall-admin)
	// KEK wraps every person's data key (subject_keys) and the claim key: base64 of 32
	// random bytes, from a secret store. Required; make run generates one per data
	// directory. Losing it loses every person's data.
	KEK string // RECALL_KEK (environment only)

	SnapshotEvery      int64         // RECALL_SNAPSHOT_EVERY, default 100
	MaxConflictRetries int           // RECALL_MAX_CONFLICT_RETRIES, default 5
	RequireIfMatch     bool          // RECALL_REQUIRE_IF_MATCH: 428 for writes without If-Match
	MaxBodyBytes       int64         // RECALL_MAX_BODY_BYTES, default 64 KiB
	IdempotencyTTL     time.Duration // RECALL_IDEMPOTENCY_TTL, default 24h
	// IdempotencyPurgeInterval is how often expired idempotency records are deleted (in
	// bounded batches); 0 disables.
	IdempotencyPurgeInterval time.Duration // RECALL_IDEMPOTENCY_PURGE_INTERVAL, default 5m

	ReadHeaderTimeout time.Duration // RECALL_READ_HEADER_TIMEOUT, default 5s
	ReadTimeout       time.Duration // RECALL_READ_TIMEOUT, default 15s
	WriteTimeout      time.Duration // RECALL_WRITE_TIMEOUT, default 30s
	IdleTimeout       time.Duration // RECALL_IDLE_TIMEOUT, default 120s
	ShutdownDelay     time.Duration // RECALL_SHUTDOWN_DELAY, default 0 (set ≈5s behind a load balancer)
	ShutdownTimeout   time.Duration // RECALL_SHUTDOWN_TIMEOUT, default 20s

	Argon2 credentials.Params // RECALL_ARGON2_MEMORY_KIB/_TIME/_THREADS, default 19456/2/1
	// MaxConns defaults to 32, not pgxpool's max(4, NumCPU): appends are bound by WAL
	// flushes, and only enough concurrent transactions share one flush (group commit);
	// with 4 connections UpdateUser reached 44% of the raw append rate at 32 clients, with
	// 32 it reached 50–55% (docs/benchmarks.md). 0 means pgxpool's default.
	MaxConns int32 // RECALL_DB_MAX_CONNS, default 32
	// DBRole is assumed (SET ROLE) on every connection of the runtime pools, write and
	// read, so the API runs with the restricted role the event store's migration creates
	// (INSERT/SELECT on events, never UPDATE/DELETE); migrations keep the login user. The
	// login user must be a member of it (or a superuser). Empty disables; the env
	// variable says so with "none" (PostgreSQL reserves that name), since an empty
	// variable cannot be told from an unset one.
	DBRole   string     // RECALL_DB_ROLE, default recall_api
	LogLevel slog.Level // RECALL_LOG_LEVEL, default info

	// Login throttles password checks (security.go); default DefaultLoginLimits.
	Login LoginLimits
	// TrustedProxies are the peers (addresses or CIDRs) whose X-Forwarded-For names the
	// client for the per-address limits; none by default (the peer is the client).
	TrustedProxies []string
	// CORSOrigins are the browser origins allowed to call the API (exact
	// scheme://host[:port]); none by default: CORS is off.
	CORSOrigins []string
	// MaxReadWaits and MaxReadWaitsPerCaller cap the read-your-writes waits
	// (GET /v1/users/{id}?min_revision=) held at once: in total (beyond: 503) and per
	// token subject (beyond: 429). 0: 4096 and 256.
	MaxReadWaits, MaxReadWaitsPerCaller int
	// Tracing is the span export (ops/tracing): off unless OTEL_EXPORTER_OTLP_ENDPOINT or
	// RECALL_TRACING says otherwise.
	Tracing tracing.Config

	// Not from flags: injected by the caller.
	Logger    *slog.Logger         // default: JSON to LogOutput
	LogOutput io.Writer            // default os.Stderr
	Registry  *prometheus.Registry // default: a fresh registry with Go and process collectors
	// TracerProvider, when set, replaces the one Tracing would build (a process running
	// several services, a test's in-memory exporter); its owner shuts it down.
	TracerProvider trace.TracerProvider
	// Ready, when set, receives the bound address once the server listens (tests bind
	// port 0).
	Ready func(addr string)

	// unsealedBaseline writes personal fields in plaintext (the plaintext schema
	// versions). Only BenchmarkUpdateUserSealing sets it, through export_test.go, to
	// measure what sealing costs against the same service without it; unexported and
	// read from no flag or variable, so no deployment can turn sealing off.
	unsealedBaseline bool
}

// DefaultDBRole is the restricted role of eventstore's migration 003 (and of the
// credentials and projector migrations' grants).
const DefaultDBRole = "recall_api"

// dbRoleFormat is a plain PostgreSQL identifier: what SET ROLE is given, quoted anyway.
var dbRoleFormat = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]{0,62}$`)

// DefaultConfig is the configuration of an empty environment: the defaults of the
// command-api binary's flags and of the embedded run.
func DefaultConfig() Config {
	return Config{
		ListenAddr: "127.0.0.1:8080", DatabaseURL: "postgres://postgres@127.0.0.1:55432/recall",
		TokenTTL: 15 * time.Minute, AdminUsername: "admin",
		SnapshotEvery: 100, MaxConflictRetries: 5, MaxBodyBytes: 64 << 10, IdempotencyTTL: 24 * time.Hour,
		IdempotencyPurgeInterval: 5 * time.Minute,
		ReadHeaderTimeout:        5 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, ShutdownTimeout: 20 * time.Second,
		Argon2: credentials.DefaultParams, MaxConns: 32, DBRole: DefaultDBRole, LogLevel: slog.LevelInfo,
		Login: DefaultLoginLimits, Tracing: tracing.DefaultConfig(),
	}
}

// Validate lists every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	add := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	_, _, err := net.SplitHostPort(c.ListenAddr)
	add(err == nil, "listen address %q: want host:port", c.ListenAddr)
	add(c.DatabaseURL != "", "DATABASE_URL is empty")
	if c.JWTSecret != "" || !c.Embedded {
		if err := checkJWTSecret(c.JWTSecret); err != nil {
			errs = append(errs, err)
		}
	}
	add(!c.Embedded || isLoopback(c.ListenAddr),
		"listen address %q: the embedded run (RECALL_EMBEDDED) serves loopback only", c.ListenAddr)
	if c.OpsAddr != "" {
		_, _, err := net.SplitHostPort(c.OpsAddr)
		add(err == nil && c.OpsAddr != c.ListenAddr, "ops address %q: want host:port other than the listen address", c.OpsAddr)
		add(!c.Embedded || isLoopback(c.OpsAddr), "ops address %q: the embedded run (RECALL_EMBEDDED) serves loopback only", c.OpsAddr)
	}
	add(c.Embedded || c.AdminPassword != EmbeddedAdminPassword, "RECALL_ADMIN_PASSWORD is the embedded default; set your own")
	add(c.AdminPassword == "" || len(c.AdminPassword) >= 8, "RECALL_ADMIN_PASSWORD must be at least 8 characters")
	add(c.TokenTTL >= time.Minute && c.TokenTTL <= 24*time.Hour, "RECALL_TOKEN_TTL %s outside 1m..24h", c.TokenTTL)
	add(c.SnapshotEvery != 0, "RECALL_SNAPSHOT_EVERY must be positive (or negative to disable)")
	add(c.MaxConflictRetries >= 0 && c.MaxConflictRetries <= 100, "RECALL_MAX_CONFLICT_RETRIES %d outside 0..100", c.MaxConflictRetries)
	add(c.MaxBodyBytes >= 1<<10 && c.MaxBodyBytes <= 16<<20, "RECALL_MAX_BODY_BYTES %d outside 1KiB..16MiB", c.MaxBodyBytes)
	add(c.IdempotencyTTL >= time.Minute, "RECALL_IDEMPOTENCY_TTL %s below 1m", c.IdempotencyTTL)
	add(c.IdempotencyPurgeInterval >= 0, "RECALL_IDEMPOTENCY_PURGE_INTERVAL must not be negative (0 disables)")
	for name, d := range map[string]time.Duration{"READ_HEADER": c.ReadHeaderTimeout, "READ": c.ReadTimeout,
		"WRITE": c.WriteTimeout, "IDLE": c.IdleTimeout, "SHUTDOWN": c.ShutdownTimeout} {
		add(d > 0, "RECALL_%s_TIMEOUT must be positive", name)
	}
	add(c.WriteTimeout > httpapi.MaxReadWait, "RECALL_WRITE_TIMEOUT %s must exceed the longest read-your-writes wait (%s)",
		c.WriteTimeout, httpapi.MaxReadWait)
	add(c.ShutdownDelay >= 0, "RECALL_SHUTDOWN_DELAY must not be negative")
	add(c.MaxConns >= 0, "RECALL_DB_MAX_CONNS must not be negative")
	add(c.DBRole == "" || (dbRoleFormat.MatchString(c.DBRole) && !strings.EqualFold(c.DBRole, "none")), // Flags clears none
		"RECALL_DB_ROLE %q: want a plain identifier (letters, digits, _ and $, at most 63 bytes) or none", c.DBRole)
	if err := c.Argon2.Validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Login.validate())
	errs = append(errs, c.Tracing.Validate())
	if _, err := subjectkeys.ParseKEK(c.KEK); err != nil {
		errs = append(errs, fmt.Errorf("RECALL_KEK: %w (generate one: head -c32 /dev/urandom | base64)", err))
	}
	return errors.Join(errs...)
}

// secret is the JWT secret to use: when embedded and unset, a random one for this
// process alone (its tokens die with it).
func (c Config) secret() ([]byte, error) {
	if c.JWTSecret == "" && c.Embedded {
		s, err := NewJWTSecret()
		return []byte(s), err
	}
	return []byte(c.JWTSecret), nil
}

// Flags binds c's fields to fs, c's current values being the defaults, each flag with its
// environment twin (envflag.Bind). The environment is read when the flags are parsed by
// envflag.Execute or envflag.Parse.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.ListenAddr, "listen", c.ListenAddr, "HTTP listen address (API, /livez, /readyz, /metrics)")
	fs.StringVar(&c.OpsAddr, "ops-addr", c.OpsAddr, "separate listen address for /livez, /readyz and /metrics (then not on --listen); empty: none")
	envflag.Bind(fs, "ops-addr", "RECALL_OPS_ADDR")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "event store")
	fs.StringVar(&c.ReadDatabaseURL, "read-database-url", c.ReadDatabaseURL, "where the projector's read models live; empty: --database-url's pool")
	fs.Var(roleValue{&c.DBRole}, "db-role", "role the runtime pools assume (SET ROLE); none or empty: the login user's")
	fs.BoolVar(&c.Embedded, "embedded", c.Embedded, "one-machine run: loopback only, embedded admin password, random JWT secret when unset; never in production")
	fs.StringVar(&c.JWTSecret, "jwt-secret", c.JWTSecret, "HS256 key, at least 32 bytes; prefer the environment variable")
	fs.DurationVar(&c.TokenTTL, "token-ttl", c.TokenTTL, "access-token lifetime (1m..24h)")
	fs.StringVar(&c.AdminUsername, "admin-username", c.AdminUsername, "bootstrap admin")
	fs.StringVar(&c.AdminPassword, "admin-password", c.AdminPassword, "bootstrap admin's password; empty: no bootstrap (embedded: "+EmbeddedAdminPassword+")")
	fs.Int64Var(&c.SnapshotEvery, "snapshot-every", c.SnapshotEvery, "snapshot every N events (negative disables)")
	fs.IntVar(&c.MaxConflictRetries, "max-conflict-retries", c.MaxConflictRetries, "retries of a concurrency conflict for writes without If-Match")
	fs.BoolVar(&c.RequireIfMatch, "require-if-match", c.RequireIfMatch, "428 for writes to existing users without If-Match")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "request body limit")
	fs.DurationVar(&c.IdempotencyTTL, "idempotency-ttl", c.IdempotencyTTL, "how long Idempotency-Key responses are kept")
	fs.DurationVar(&c.IdempotencyPurgeInterval, "idempotency-purge-interval", c.IdempotencyPurgeInterval, "how often expired Idempotency-Key records are deleted (0: never)")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "HTTP read-header timeout")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "HTTP read timeout")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "HTTP write timeout (must exceed the 10s read-your-writes cap)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "HTTP idle timeout")
	fs.DurationVar(&c.ShutdownDelay, "shutdown-delay", c.ShutdownDelay, "serve this long after SIGTERM with /readyz failing")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "drain limit")
	fs.Uint32Var(&c.Argon2.MemoryKiB, "argon2-memory-kib", c.Argon2.MemoryKiB, "argon2id memory")
	fs.Uint32Var(&c.Argon2.Time, "argon2-time", c.Argon2.Time, "argon2id passes")
	fs.Uint8Var(&c.Argon2.Threads, "argon2-threads", c.Argon2.Threads, "argon2id lanes")
	fs.Int32Var(&c.MaxConns, "db-max-conns", c.MaxConns, "pool size (0: pgxpool's max(4, NumCPU))")
	fs.Var(envflag.NewLevel(&c.LogLevel), "log-level", "debug, info, warn, error")
	fs.Float64Var(&c.Login.ClientPerMinute, "login-client-per-minute", c.Login.ClientPerMinute, "password checks a minute per client address (0 disables)")
	fs.IntVar(&c.Login.ClientBurst, "login-client-burst", c.Login.ClientBurst, "burst of password checks per client address")
	fs.Float64Var(&c.Login.UsernamePerMinute, "login-username-per-minute", c.Login.UsernamePerMinute, "password checks a minute per username (0 disables)")
	fs.IntVar(&c.Login.UsernameBurst, "login-username-burst", c.Login.UsernameBurst, "burst of password checks per username")
	fs.IntVar(&c.Login.LockoutThreshold, "lockout-threshold", c.Login.LockoutThreshold, "consecutive failures that lock a username (negative disables)")
	fs.DurationVar(&c.Login.LockoutBase, "lockout-base", c.Login.LockoutBase, "first lockout, doubling with each further failure")
	fs.DurationVar(&c.Login.LockoutMax, "lockout-max", c.Login.LockoutMax, "longest lockout")
	fs.IntVar(&c.Login.HashQueue, "hash-queue", c.Login.HashQueue, "password hashes that may wait for a hashing slot (0: 8 per slot)")
	fs.Var(envflag.NewList(&c.TrustedProxies), "trusted-proxies", "peers (addresses or CIDRs) whose X-Forwarded-For names the client, comma-separated")
	fs.Var(envflag.NewList(&c.CORSOrigins), "cors-origins", "browser origins allowed to call the API (exact scheme://host[:port]), comma-separated; none: CORS off")
	fs.IntVar(&c.MaxReadWaits, "max-read-waits", c.MaxReadWaits, "read-your-writes waits held at once in total, beyond: 503 (0: 4096)")
	fs.IntVar(&c.MaxReadWaitsPerCaller, "max-read-waits-per-caller", c.MaxReadWaitsPerCaller, "read-your-writes waits held at once per token subject, beyond: 429 (0: 256)")
	c.Tracing.Flags(fs)
	// Environment only: flags show up in ps.
	envflag.Secret(fs, &c.KEK, "kek", "RECALL_KEK")
	for flag, env := range map[string]string{ // written out so that grep finds every name
		"listen": "RECALL_LISTEN_ADDR", "database-url": "DATABASE_URL", "read-database-url": "RECALL_READ_DATABASE_URL",
		"db-role": "RECALL_DB_ROLE", "embedded": "RECALL_EMBEDDED", "jwt-secret": "RECALL_JWT_SECRET",
		"token-ttl": "RECALL_TOKEN_TTL", "admin-username": "RECALL_ADMIN_USERNAME", "admin-password": "RECALL_ADMIN_PASSWORD",
		"snapshot-every": "RECALL_SNAPSHOT_EVERY", "max-conflict-retries": "RECALL_MAX_CONFLICT_RETRIES",
		"require-if-match": "RECALL_REQUIRE_IF_MATCH", "max-body-bytes": "RECALL_MAX_BODY_BYTES",
		"idempotency-ttl": "RECALL_IDEMPOTENCY_TTL", "idempotency-purge-interval": "RECALL_IDEMPOTENCY_PURGE_INTERVAL",
		"read-header-timeout": "RECALL_READ_HEADER_TIMEOUT", "read-timeout": "RECALL_READ_TIMEOUT",
		"write-timeout": "RECALL_WRITE_TIMEOUT", "idle-timeout": "RECALL_IDLE_TIMEOUT",
		"shutdown-delay": "RECALL_SHUTDOWN_DELAY", "shutdown-timeout": "RECALL_SHUTDOWN_TIMEOUT",
		"argon2-memory-kib": "RECALL_ARGON2_MEMORY_KIB", "argon2-time": "RECALL_ARGON2_TIME",
		"argon2-threads": "RECALL_ARGON2_THREADS", "db-max-conns": "RECALL_DB_MAX_CONNS", "log-level": "RECALL_LOG_LEVEL",
		"login-client-per-minute": "RECALL_LOGIN_CLIENT_PER_MINUTE", "login-client-burst": "RECALL_LOGIN_CLIENT_BURST",
		"login-username-per-minute": "RECALL_LOGIN_USERNAME_PER_MINUTE", "login-username-burst": "RECALL_LOGIN_USERNAME_BURST",
		"lockout-threshold": "RECALL_LOCKOUT_THRESHOLD", "lockout-base": "RECALL_LOCKOUT_BASE", "lockout-max": "RECALL_LOCKOUT_MAX",
		"hash-queue": "RECALL_HASH_QUEUE", "trusted-proxies": "RECALL_TRUSTED_PROXIES", "cors-origins": "RECALL_CORS_ORIGINS",
		"max-read-waits": "RECALL_MAX_READ_WAITS", "max-read-waits-per-caller": "RECALL_MAX_READ_WAITS_PER_CALLER",
	} {
		envflag.Bind(fs, flag, env)
	}
}

// roleValue is --db-role: "none" (any case) clears it, since an empty environment
// variable cannot be told from an unset one.
type roleValue struct{ p *string }

func (r roleValue) Set(s string) error {
	if strings.EqualFold(s, "none") {
		s = ""
	}
	*r.p = s
	return nil
}

func (r roleValue) String() string { return *r.p }
func (r roleValue) Type() string   { return "string" }

// adminPassword is the bootstrap admin's password: the embedded default when embedded
// and unset; empty means no bootstrap.
func (c Config) adminPassword() string {
	if c.AdminPassword == "" && c.Embedded {
		return EmbeddedAdminPassword
	}
	return c.AdminPassword
}
