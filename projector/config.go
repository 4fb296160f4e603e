package projector

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Config is the projector's configuration. DefaultConfig fills the defaults
// of the embedded run; Flags binds flags whose defaults come from the
// environment.
type Config struct {
	DatabaseURL string   // DATABASE_URL (required)
	Brokers     []string // RECALL_KAFKA_BROKERS, comma-separated
	RegistryURL string   // RECALL_SCHEMA_REGISTRY_URL
	Topic       string   // RECALL_TOPIC
	ListenAddr  string   // RECALL_PROJECTOR_LISTEN: health and metrics

	// UsersVersion is registered in the projections table at start (live if
	// no version is); the versions actually run are those building or live.
	UsersVersion      int           // RECALL_USERS_VERSION
	ReconcileInterval time.Duration // RECALL_PROJECTOR_RECONCILE
	MaxAttempts       int           // RECALL_PROJECTOR_MAX_ATTEMPTS: record errors before the DLQ
	BackoffBase       time.Duration // RECALL_PROJECTOR_BACKOFF_BASE
	BackoffMax        time.Duration // RECALL_PROJECTOR_BACKOFF_MAX
	ShutdownGrace     time.Duration // RECALL_PROJECTOR_SHUTDOWN_GRACE
	// SessionTimeout is how long the group waits for a silent member (a
	// killed process) before moving its partitions.
	SessionTimeout time.Duration // RECALL_PROJECTOR_SESSION_TIMEOUT

	WelcomeEmail bool   // RECALL_WELCOME_EMAIL: run the welcome-email projection
	SMTPHost     string // RECALL_SMTP_HOST; empty: log mails instead of sending
	SMTPPort     int    // RECALL_SMTP_PORT
	SMTPFrom     string // RECALL_SMTP_FROM
	SMTPUsername string // RECALL_SMTP_USERNAME
	SMTPPassword string // RECALL_SMTP_PASSWORD

	// Not from flags: injected by callers (devstack, tests).
	Logger   *slog.Logger         // default: JSON on stderr
	Registry *prometheus.Registry // default: a new registry with Go and process collectors
}

// DefaultConfig returns the embedded run's defaults (shared/DESIGN.md).
func DefaultConfig() Config {
	return Config{
		Brokers:           []string{"127.0.0.1:9092"},
		RegistryURL:       "http://127.0.0.1:8081",
		Topic:             "recall.user.events",
		ListenAddr:        "127.0.0.1:9102",
		UsersVersion:      1,
		ReconcileInterval: 5 * time.Second,
		MaxAttempts:       5,
		BackoffBase:       100 * time.Millisecond,
		BackoffMax:        30 * time.Second,
		ShutdownGrace:     30 * time.Second,
		SessionTimeout:    45 * time.Second,
		WelcomeEmail:      true,
		SMTPPort:          25,
		SMTPFrom:          "Recall <noreply@recall.invalid>",
	}
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("projector: "+format, a...)) }
	if c.DatabaseURL == "" {
		bad("DATABASE_URL is required")
	}
	if len(c.Brokers) == 0 {
		bad("at least one Kafka broker is required (RECALL_KAFKA_BROKERS)")
	}
	for _, b := range c.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			bad("broker %q is not host:port", b)
		}
	}
	if u, err := url.Parse(c.RegistryURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("schema registry URL %q is not an http(s) URL", c.RegistryURL)
	}
	if c.Topic == "" {
		bad("topic is required")
	}
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		bad("listen address %q is not host:port", c.ListenAddr)
	}
	if c.UsersVersion < 1 {
		bad("users version must be ≥ 1, got %d", c.UsersVersion)
	}
	if c.ReconcileInterval <= 0 || c.BackoffBase <= 0 || c.BackoffMax < c.BackoffBase || c.ShutdownGrace <= 0 || c.SessionTimeout <= 0 {
		bad("durations must be positive and backoff max ≥ base")
	}
	if c.MaxAttempts < 1 {
		bad("max attempts must be ≥ 1, got %d", c.MaxAttempts)
	}
	if c.SMTPHost != "" && (c.SMTPPort < 1 || c.SMTPPort > 65535) {
		bad("SMTP port %d is out of range", c.SMTPPort)
	}
	if c.WelcomeEmail && !strings.Contains(c.SMTPFrom, "@") {
		bad("SMTP from %q has no address", c.SMTPFrom)
	}
	return errors.Join(errs...)
}

// Flags binds c's fields to fs, with defaults taken from getenv (os.Getenv)
// over c's current values. Parse errors of the environment are reported by
// the returned function, after fs.Parse, joined like Validate's.
func (c *Config) Flags(fs *flag.FlagSet, getenv func(string) string) func() error {
	var errs []error
	env := func(k, def string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return def
	}
	envInt := func(k string, def int) int {
		n, err := strconv.Atoi(env(k, strconv.Itoa(def)))
		if err != nil {
			errs = append(errs, fmt.Errorf("projector: %s: %w", k, err))
			return def
		}
		return n
	}
	envDur := func(k string, def time.Duration) time.Duration {
		d, err := time.ParseDuration(env(k, def.String()))
		if err != nil {
			errs = append(errs, fmt.Errorf("projector: %s: %w", k, err))
			return def
		}
		return d
	}
	envBool := func(k string, def bool) bool {
		b, err := strconv.ParseBool(env(k, strconv.FormatBool(def)))
		if err != nil {
			errs = append(errs, fmt.Errorf("projector: %s: %w", k, err))
			return def
		}
		return b
	}
	brokers := env("RECALL_KAFKA_BROKERS", strings.Join(c.Brokers, ","))
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", c.DatabaseURL), "PostgreSQL URL of the read models (DATABASE_URL)")
	fs.Func("brokers", "Kafka seed brokers, comma-separated (RECALL_KAFKA_BROKERS; default "+brokers+")", func(s string) error {
		c.Brokers = splitList(s)
		return nil
	})
	c.Brokers = splitList(brokers)
	fs.StringVar(&c.RegistryURL, "schema-registry-url", env("RECALL_SCHEMA_REGISTRY_URL", c.RegistryURL), "schema registry URL (RECALL_SCHEMA_REGISTRY_URL)")
	fs.StringVar(&c.Topic, "topic", env("RECALL_TOPIC", c.Topic), "event topic (RECALL_TOPIC)")
	fs.StringVar(&c.ListenAddr, "listen", env("RECALL_PROJECTOR_LISTEN", c.ListenAddr), "health and metrics address (RECALL_PROJECTOR_LISTEN)")
	fs.IntVar(&c.UsersVersion, "users-version", envInt("RECALL_USERS_VERSION", c.UsersVersion), "users projection version to register (RECALL_USERS_VERSION)")
	fs.DurationVar(&c.ReconcileInterval, "reconcile-interval", envDur("RECALL_PROJECTOR_RECONCILE", c.ReconcileInterval), "how often the projections table is re-read (RECALL_PROJECTOR_RECONCILE)")
	fs.IntVar(&c.MaxAttempts, "max-attempts", envInt("RECALL_PROJECTOR_MAX_ATTEMPTS", c.MaxAttempts), "record-error attempts before the DLQ (RECALL_PROJECTOR_MAX_ATTEMPTS)")
	fs.DurationVar(&c.BackoffBase, "backoff-base", envDur("RECALL_PROJECTOR_BACKOFF_BASE", c.BackoffBase), "first retry delay (RECALL_PROJECTOR_BACKOFF_BASE)")
	fs.DurationVar(&c.BackoffMax, "backoff-max", envDur("RECALL_PROJECTOR_BACKOFF_MAX", c.BackoffMax), "longest retry delay (RECALL_PROJECTOR_BACKOFF_MAX)")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", envDur("RECALL_PROJECTOR_SHUTDOWN_GRACE", c.ShutdownGrace), "time to finish a batch on shutdown (RECALL_PROJECTOR_SHUTDOWN_GRACE)")
	fs.DurationVar(&c.SessionTimeout, "session-timeout", envDur("RECALL_PROJECTOR_SESSION_TIMEOUT", c.SessionTimeout), "group session timeout (RECALL_PROJECTOR_SESSION_TIMEOUT)")
	fs.BoolVar(&c.WelcomeEmail, "welcome-email", envBool("RECALL_WELCOME_EMAIL", c.WelcomeEmail), "run the welcome-email projection (RECALL_WELCOME_EMAIL)")
	fs.StringVar(&c.SMTPHost, "smtp-host", env("RECALL_SMTP_HOST", c.SMTPHost), "SMTP server; empty logs mails instead (RECALL_SMTP_HOST)")
	fs.IntVar(&c.SMTPPort, "smtp-port", envInt("RECALL_SMTP_PORT", c.SMTPPort), "SMTP port (RECALL_SMTP_PORT)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", env("RECALL_SMTP_FROM", c.SMTPFrom), "sender of welcome mails (RECALL_SMTP_FROM)")
	fs.StringVar(&c.SMTPUsername, "smtp-username", env("RECALL_SMTP_USERNAME", c.SMTPUsername), "SMTP AUTH user (RECALL_SMTP_USERNAME)")
	c.SMTPPassword = env("RECALL_SMTP_PASSWORD", c.SMTPPassword) // env only: flags show up in ps
	return func() error { return errors.Join(errs...) }
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
