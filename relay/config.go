package relay

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/kafkaauth"
	"github.com/recall-events/recall/ops/tracing"
	"github.com/recall-events/recall/schemas"

	"github.com/recall-events/recall/relay/publish"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/relay/replication"
)

// Config is everything Run needs: DefaultConfig, then Flags (flags with environment
// twins, see the README's configuration table), then Validate.
type Config struct {
	DatabaseURL       string
	KafkaBrokers      []string
	SchemaRegistryURL string
	Slot              string
	Publication       string
	TopicPrefix       string
	Source            string // ce_source
	Partitions        int    // of topics the relay creates
	ReplicationFactor int    // of topics the relay creates; -1 is the broker's default
	Listen            string // /livez, /readyz, /metrics; empty disables
	StatusInterval    time.Duration
	MaxInFlight       int
	Linger            time.Duration
	Compression       string
	RetryMax          time.Duration // the longest wait between attempts (standby, reconnects)
	LogLevel          slog.Level
	// RecordKeys is the record-signing keyring, "id=base64key,…" (env only:
	// RECALL_RECORD_KEYS); RecordKeyID names the key that signs. Empty: records go
	// unsigned, and consumers that verify dead-letter them.
	RecordKeys, RecordKeyID string
	// Auth secures the brokers' and the registry's connections.
	Auth kafkaauth.Config
	// OpsAddr, when set, serves /livez, /readyz and /metrics on a listener of their own
	// and takes /metrics off Listen (RECALL_OPS_ADDR), as command-api's: one port to
	// scrape and firewall the same way for every Recall process. Empty: as before.
	OpsAddr string
	// Tracing is the span export (ops/tracing); off by default.
	Tracing tracing.Config

	Logger   *slog.Logger         // nil: JSON to stderr at LogLevel
	Registry *prometheus.Registry // nil: a new registry with the Go and process collectors
	// TracerProvider, when set, replaces the one Tracing would build; its owner shuts it
	// down.
	TracerProvider trace.TracerProvider
}

// DefaultConfig is the embedded run's configuration (the README's configuration tables), and the
// defaults of the relay binary's flags.
func DefaultConfig() Config {
	return Config{
		DatabaseURL:       "postgres://postgres@127.0.0.1:55432/recall?sslmode=disable",
		KafkaBrokers:      []string{"127.0.0.1:9092"},
		SchemaRegistryURL: "http://127.0.0.1:8081",
		Slot:              replication.DefaultSlot,
		Publication:       replication.DefaultPublication,
		TopicPrefix:       record.DefaultTopicPrefix,
		Source:            record.DefaultSource,
		Partitions:        publish.DefaultPartitions,
		ReplicationFactor: -1,
		Listen:            "127.0.0.1:9101",
		StatusInterval:    replication.DefaultStatusInterval,
		MaxInFlight:       replication.DefaultMaxInFlight,
		Linger:            publish.DefaultLinger,
		Compression:       publish.DefaultCompression,
		RetryMax:          5 * time.Second,
		LogLevel:          slog.LevelInfo,
		Tracing:           tracing.DefaultConfig(),
	}
}

// Flags binds c's fields to fs, c's current values being the defaults, each flag with its
// environment twin (envflag.Bind). The environment is read when the flags are parsed by
// envflag.Execute or envflag.Parse.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "event store; the role needs REPLICATION")
	fs.Var(envflag.NewList(&c.KafkaBrokers), "brokers", "Kafka seed brokers, comma-separated")
	fs.StringVar(&c.SchemaRegistryURL, "schema-registry-url", c.SchemaRegistryURL, "Confluent-API schema registry")
	fs.StringVar(&c.Slot, "slot", c.Slot, "replication slot (also the checkpoint key and advisory-lock name)")
	fs.StringVar(&c.Publication, "publication", c.Publication, "publication (inserts of events)")
	fs.StringVar(&c.TopicPrefix, "topic-prefix", c.TopicPrefix, "topics are <prefix>.<aggregate_type>.events")
	fs.StringVar(&c.Source, "source", c.Source, "ce_source header")
	fs.IntVar(&c.Partitions, "partitions", c.Partitions, "partitions of topics the relay creates")
	fs.IntVar(&c.ReplicationFactor, "replication-factor", c.ReplicationFactor, "replication factor of topics the relay creates; -1: the broker's default")
	fs.StringVar(&c.Listen, "listen", c.Listen, "/livez, /readyz and /metrics address; empty disables")
	fs.StringVar(&c.OpsAddr, "ops-addr", c.OpsAddr, "separate address for /livez, /readyz and /metrics (then not on --listen); empty: none")
	envflag.Bind(fs, "ops-addr", "RECALL_OPS_ADDR")
	fs.StringVar(&c.Compression, "compression", c.Compression, "none, lz4, snappy, zstd, gzip")
	fs.DurationVar(&c.Linger, "linger", c.Linger, "producer linger (0..1s)")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", c.MaxInFlight, "unacked records at most")
	fs.DurationVar(&c.StatusInterval, "status-interval", c.StatusInterval, "standby status and checkpoint period")
	fs.DurationVar(&c.RetryMax, "retry-max", c.RetryMax, "longest wait between attempts (standby, reconnects)")
	fs.Var(envflag.NewLevel(&c.LogLevel), "log-level", "debug, info, warn, error")
	fs.StringVar(&c.RecordKeyID, "record-key-id", c.RecordKeyID, "id of the record-signing key in RECALL_RECORD_KEYS; empty: records are not signed")
	envflag.Secret(fs, &c.RecordKeys, "record-keys", "RECALL_RECORD_KEYS")
	c.Auth.Flags(fs)
	c.Tracing.Flags(fs)
	envflag.Alias(fs, "kafka-brokers", "brokers")
	for flag, env := range map[string]string{
		"database-url": "DATABASE_URL", "brokers": "RECALL_KAFKA_BROKERS", "schema-registry-url": "RECALL_SCHEMA_REGISTRY_URL",
		"slot": "RECALL_RELAY_SLOT", "publication": "RECALL_RELAY_PUBLICATION", "topic-prefix": "RECALL_TOPIC_PREFIX",
		"source": "RECALL_RELAY_SOURCE", "partitions": "RECALL_TOPIC_PARTITIONS",
		"replication-factor": "RECALL_TOPIC_REPLICATION_FACTOR", "compression": "RECALL_RELAY_COMPRESSION",
		"linger": "RECALL_RELAY_LINGER", "max-in-flight": "RECALL_RELAY_MAX_IN_FLIGHT",
		"status-interval": "RECALL_RELAY_STATUS_INTERVAL", "retry-max": "RECALL_RELAY_RETRY_MAX", "log-level": "RECALL_LOG_LEVEL",
		"record-key-id": "RECALL_RECORD_KEY_ID",
	} {
		envflag.Bind(fs, flag, env)
	}
	envflag.Bind(fs, "listen", "RECALL_LISTEN_ADDR", "RECALL_RELAY_LISTEN")
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("database URL is empty"))
	}
	if c.Slot == "" || c.Publication == "" {
		errs = append(errs, errors.New("slot and publication must be named"))
	}
	if len(c.KafkaBrokers) == 0 {
		errs = append(errs, errors.New("no Kafka brokers"))
	}
	for _, b := range c.KafkaBrokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			errs = append(errs, fmt.Errorf("broker %q: %w", b, err))
		}
	}
	if u, err := url.Parse(c.SchemaRegistryURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("schema registry URL %q: want http(s)://host[:port]", c.SchemaRegistryURL))
	}
	if c.TopicPrefix == "" || strings.ContainsAny(c.TopicPrefix, " /\\") {
		errs = append(errs, fmt.Errorf("topic prefix %q: want a non-empty topic name part", c.TopicPrefix))
	}
	if c.Source == "" {
		errs = append(errs, errors.New("ce_source is empty"))
	}
	if c.Partitions < 1 || c.Partitions > 10000 {
		errs = append(errs, fmt.Errorf("partitions %d: want 1..10000", c.Partitions))
	}
	if c.ReplicationFactor == 0 || c.ReplicationFactor < -1 || c.ReplicationFactor > 32767 {
		errs = append(errs, fmt.Errorf("replication factor %d: want -1 or 1..32767", c.ReplicationFactor))
	}
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			errs = append(errs, fmt.Errorf("listen %q: %w", c.Listen, err))
		}
	}
	if c.OpsAddr != "" {
		if _, _, err := net.SplitHostPort(c.OpsAddr); err != nil || c.OpsAddr == c.Listen {
			errs = append(errs, fmt.Errorf("ops address %q: want host:port other than the listen address", c.OpsAddr))
		}
	}
	if _, err := publish.Codec(c.Compression); err != nil {
		errs = append(errs, err)
	}
	if c.Linger < 0 || c.Linger > time.Second {
		errs = append(errs, fmt.Errorf("linger %v: want 0..1s", c.Linger))
	}
	if c.MaxInFlight < 1 {
		errs = append(errs, fmt.Errorf("max in flight %d: want at least 1", c.MaxInFlight))
	}
	if c.RetryMax <= 0 {
		errs = append(errs, fmt.Errorf("retry max %v: want > 0", c.RetryMax))
	}
	errs = append(errs, c.replicationOptions().Validate())
	if _, err := c.signer(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Auth.Validate())
	errs = append(errs, c.Tracing.Validate())
	return errors.Join(errs...)
}

// signer is the keyring signing records, nil when RecordKeyID is unset.
func (c Config) signer() (*schemas.Keyring, error) {
	if c.RecordKeyID == "" && c.RecordKeys == "" {
		return nil, nil
	}
	if c.RecordKeyID == "" {
		return nil, errors.New("RECALL_RECORD_KEYS is set but RECALL_RECORD_KEY_ID names no signing key")
	}
	return schemas.ParseKeyring(c.RecordKeyID, c.RecordKeys)
}

func (c Config) replicationOptions() replication.Options {
	return replication.Options{
		DatabaseURL: c.DatabaseURL, Slot: c.Slot, Publication: c.Publication,
		StatusInterval: c.StatusInterval, MaxInFlight: c.MaxInFlight, Logger: c.Logger,
	}
}
