package projector

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/kafkaauth"
	"github.com/recall-events/recall/ops/tracing"
	"github.com/recall-events/recall/projector/welcome"
	"github.com/recall-events/recall/schemas"
)

// Config is the projector's configuration: DefaultConfig (the embedded run's
// defaults), then Flags (flags with environment twins), then Validate.
type Config struct {
	DatabaseURL string // DATABASE_URL
	// KEK unwraps the people's data keys (subject_keys, in the event store's database)
	// to open sealed personal fields; the same key command-api has. Required.
	KEK string // RECALL_KEK (environment only)
	// KeysDatabaseURL is the event store's database, where subject_keys lives; empty:
	// DatabaseURL (the embedded run keeps everything in one database).
	KeysDatabaseURL string     // RECALL_KEYS_DATABASE_URL
	Brokers         []string   // RECALL_KAFKA_BROKERS, comma-separated
	RegistryURL     string     // RECALL_SCHEMA_REGISTRY_URL
	Topic           string     // RECALL_TOPIC
	ListenAddr      string     // RECALL_LISTEN_ADDR (formerly RECALL_PROJECTOR_LISTEN): health and metrics
	LogLevel        slog.Level // RECALL_LOG_LEVEL

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
	// InstanceID makes this process a static member of its consumer groups
	// (KIP-345): restarted after a crash with the same id, it takes its partitions
	// back at once instead of waiting SessionTimeout for the dead member. One id
	// per live process (the chart uses the pod name; the default is the host
	// name); empty: dynamic membership.
	InstanceID string // RECALL_PROJECTOR_INSTANCE_ID
	// StallAfter is how long a partition may lag with no committed progress
	// before /progressz fails and recall_projector_partition_stalled_seconds
	// crosses the alert's threshold.
	StallAfter time.Duration // RECALL_PROJECTOR_STALL_AFTER

	WelcomeEmail bool   // RECALL_WELCOME_EMAIL: run the welcome-email projection
	SMTPHost     string // RECALL_SMTP_HOST; empty: log mails instead of sending
	SMTPPort     int    // RECALL_SMTP_PORT
	SMTPFrom     string // RECALL_SMTP_FROM
	SMTPUsername string // RECALL_SMTP_USERNAME
	SMTPPassword string // RECALL_SMTP_PASSWORD
	// SMTPTLS is starttls (default), implicit, or none; AUTH in cleartext only to a
	// loopback server.
	SMTPTLS string // RECALL_SMTP_TLS

	// RecordKeys is the record-verifying keyring, "id=base64key,…" (env only:
	// RECALL_RECORD_KEYS, the relay's keys). Set, every record must carry a valid
	// signature: others go to the DLQ unapplied.
	RecordKeys string
	// Auth secures the brokers' and the registry's connections.
	Auth kafkaauth.Config
	// OpsAddr, when set, serves /livez, /readyz, /progressz and /metrics on a listener
	// of their own and takes /metrics off ListenAddr, as command-api's: one port to
	// scrape and firewall the same way for every Recall process. Empty: as before.
	OpsAddr string // RECALL_OPS_ADDR
	// Tracing is the span export (ops/tracing); off by default.
	Tracing tracing.Config

	// Not from flags: injected by callers (devstack, tests).
	Logger   *slog.Logger         // default: JSON on stderr at LogLevel
	Registry *prometheus.Registry // default: a new registry with Go and process collectors
	// TracerProvider, when set, replaces the one Tracing would build; its owner shuts it
	// down.
	TracerProvider trace.TracerProvider
}

// DefaultConfig returns the embedded run's defaults (the README's configuration tables), and the
// defaults of the projector binary's flags.
func DefaultConfig() Config {
	return Config{
		DatabaseURL:       "postgres://postgres@127.0.0.1:55432/recall?sslmode=disable",
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
		InstanceID:        "projector-" + HostnamePlaceholder,
		StallAfter:        time.Minute,
		WelcomeEmail:      true,
		SMTPPort:          587,
		SMTPTLS:           string(welcome.TLSStartTLS),
		SMTPFrom:          "Recall <noreply@recall.invalid>",
		LogLevel:          slog.LevelInfo,
		Tracing:           tracing.DefaultConfig(),
	}
}

// HostnamePlaceholder in InstanceID is replaced by the host name at Run: the
// default id is stable across restarts of a process on one machine, of a
// container in its pod, and of a StatefulSet's pod.
const HostnamePlaceholder = "{hostname}"

// instanceID is InstanceID with the placeholder expanded.
func (c Config) instanceID() string {
	if !strings.Contains(c.InstanceID, HostnamePlaceholder) {
		return c.InstanceID
	}
	h, err := os.Hostname()
	if err != nil {
		h = "unknown"
	}
	return strings.ReplaceAll(c.InstanceID, HostnamePlaceholder, h)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("projector: "+format, a...)) }
	if c.DatabaseURL == "" {
		bad("database URL is empty (DATABASE_URL)")
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
	if _, _, err := net.SplitHostPort(c.OpsAddr); c.OpsAddr != "" && (err != nil || c.OpsAddr == c.ListenAddr) {
		bad("ops address %q: want host:port other than the listen address", c.OpsAddr)
	}
	if c.UsersVersion < 1 {
		bad("users version must be ≥ 1, got %d", c.UsersVersion)
	}
	if c.ReconcileInterval <= 0 || c.BackoffBase <= 0 || c.BackoffMax < c.BackoffBase || c.ShutdownGrace <= 0 || c.SessionTimeout <= 0 || c.StallAfter <= 0 {
		bad("durations must be positive and backoff max ≥ base")
	}
	if c.MaxAttempts < 1 {
		bad("max attempts must be ≥ 1, got %d", c.MaxAttempts)
	}
	if c.SMTPHost != "" && (c.SMTPPort < 1 || c.SMTPPort > 65535) {
		bad("SMTP port %d is out of range", c.SMTPPort)
	}
	if c.SMTPHost != "" {
		if err := c.smtpSender().Check(); err != nil {
			bad("RECALL_SMTP_TLS: %v", err)
		}
	}
	if c.WelcomeEmail && !strings.Contains(c.SMTPFrom, "@") {
		bad("SMTP from %q has no address", c.SMTPFrom)
	}
	if _, err := c.verifier(); err != nil {
		bad("RECALL_RECORD_KEYS: %v", err)
	}
	if err := c.Auth.Validate(); err != nil {
		errs = append(errs, err)
	}
	if _, err := subjectkeys.ParseKEK(c.KEK); err != nil {
		bad("RECALL_KEK: %v", err)
	}
	errs = append(errs, c.Tracing.Validate())
	return errors.Join(errs...)
}

// smtpSender is the welcome mails' SMTP client.
func (c Config) smtpSender() *welcome.SMTPSender {
	return &welcome.SMTPSender{Addr: net.JoinHostPort(c.SMTPHost, strconv.Itoa(c.SMTPPort)),
		Username: c.SMTPUsername, Password: c.SMTPPassword, TLS: welcome.TLSMode(c.SMTPTLS)}
}

// verifier is the keyring checking record signatures, nil when RecordKeys is unset.
func (c Config) verifier() (*schemas.Keyring, error) {
	if c.RecordKeys == "" {
		return nil, nil
	}
	return schemas.ParseKeyring("", c.RecordKeys)
}

// Flags binds c's fields to fs, c's current values being the defaults, each flag with its
// environment twin (envflag.Bind); the SMTP password is read from the environment only.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL of the read models, projections and dead letters")
	fs.Var(envflag.NewList(&c.Brokers), "brokers", "Kafka seed brokers, comma-separated")
	fs.StringVar(&c.RegistryURL, "schema-registry-url", c.RegistryURL, "Confluent-API schema registry")
	fs.StringVar(&c.Topic, "topic", c.Topic, "event topic")
	fs.StringVar(&c.ListenAddr, "listen", c.ListenAddr, "/livez, /readyz and /metrics address")
	fs.StringVar(&c.OpsAddr, "ops-addr", c.OpsAddr, "separate address for /livez, /readyz, /progressz and /metrics (then not on --listen); empty: none")
	envflag.Bind(fs, "ops-addr", "RECALL_OPS_ADDR")
	fs.IntVar(&c.UsersVersion, "users-version", c.UsersVersion, "users projection version registered at start (live if none is)")
	fs.DurationVar(&c.ReconcileInterval, "reconcile-interval", c.ReconcileInterval, "how often the projections table is re-read")
	fs.IntVar(&c.MaxAttempts, "max-attempts", c.MaxAttempts, "record-error attempts before the DLQ")
	fs.DurationVar(&c.BackoffBase, "backoff-base", c.BackoffBase, "first retry delay")
	fs.DurationVar(&c.BackoffMax, "backoff-max", c.BackoffMax, "longest retry delay")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", c.ShutdownGrace, "time to finish a batch on shutdown")
	fs.DurationVar(&c.SessionTimeout, "session-timeout", c.SessionTimeout, "consumer group session timeout")
	fs.StringVar(&c.InstanceID, "instance-id", c.InstanceID, "static group member id, unique per live process; {hostname} is replaced by the host name; empty: dynamic membership")
	fs.DurationVar(&c.StallAfter, "stall-after", c.StallAfter, "lag without committed progress for this long fails /progressz")
	fs.BoolVar(&c.WelcomeEmail, "welcome-email", c.WelcomeEmail, "run the welcome-email projection")
	fs.StringVar(&c.SMTPHost, "smtp-host", c.SMTPHost, "SMTP server; empty: mails are logged instead")
	fs.IntVar(&c.SMTPPort, "smtp-port", c.SMTPPort, "SMTP port")
	fs.StringVar(&c.SMTPFrom, "smtp-from", c.SMTPFrom, "sender of welcome mails")
	fs.StringVar(&c.SMTPUsername, "smtp-username", c.SMTPUsername, "SMTP AUTH user")
	fs.StringVar(&c.SMTPTLS, "smtp-tls", c.SMTPTLS, "starttls, implicit (port 465) or none (AUTH only to a loopback server)")
	fs.Var(envflag.NewLevel(&c.LogLevel), "log-level", "debug, info, warn, error")
	envflag.Secret(fs, &c.SMTPPassword, "smtp-password", "RECALL_SMTP_PASSWORD")
	envflag.Secret(fs, &c.RecordKeys, "record-keys", "RECALL_RECORD_KEYS")
	c.Auth.Flags(fs)
	c.Tracing.Flags(fs)
	envflag.Secret(fs, &c.KEK, "kek", "RECALL_KEK")
	fs.StringVar(&c.KeysDatabaseURL, "keys-database-url", c.KeysDatabaseURL, "event store database holding subject_keys; empty: --database-url")
	for flag, env := range map[string]string{
		"database-url": "DATABASE_URL", "brokers": "RECALL_KAFKA_BROKERS", "schema-registry-url": "RECALL_SCHEMA_REGISTRY_URL",
		"topic": "RECALL_TOPIC", "users-version": "RECALL_USERS_VERSION", "reconcile-interval": "RECALL_PROJECTOR_RECONCILE",
		"max-attempts": "RECALL_PROJECTOR_MAX_ATTEMPTS", "backoff-base": "RECALL_PROJECTOR_BACKOFF_BASE",
		"backoff-max": "RECALL_PROJECTOR_BACKOFF_MAX", "shutdown-grace": "RECALL_PROJECTOR_SHUTDOWN_GRACE",
		"session-timeout": "RECALL_PROJECTOR_SESSION_TIMEOUT", "welcome-email": "RECALL_WELCOME_EMAIL",
		"instance-id": "RECALL_PROJECTOR_INSTANCE_ID", "stall-after": "RECALL_PROJECTOR_STALL_AFTER",
		"smtp-host": "RECALL_SMTP_HOST", "smtp-port": "RECALL_SMTP_PORT", "smtp-from": "RECALL_SMTP_FROM",
		"smtp-username": "RECALL_SMTP_USERNAME", "smtp-tls": "RECALL_SMTP_TLS", "log-level": "RECALL_LOG_LEVEL",
		"keys-database-url": "RECALL_KEYS_DATABASE_URL",
	} {
		envflag.Bind(fs, flag, env)
	}
	envflag.Bind(fs, "listen", "RECALL_LISTEN_ADDR", "RECALL_PROJECTOR_LISTEN")
}
