package relay

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recall-events/recall/relay/publish"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/relay/replication"
)

// Config is everything Run needs. Start from DefaultConfig or ParseConfig.
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

	Logger   *slog.Logger         // nil: JSON to stderr
	Registry *prometheus.Registry // nil: a new registry with the Go and process collectors
}

// Environment variables read by ParseConfig (flags override them).
const (
	EnvDatabaseURL    = "DATABASE_URL"
	EnvKafkaBrokers   = "RECALL_KAFKA_BROKERS"
	EnvRegistryURL    = "RECALL_SCHEMA_REGISTRY_URL"
	EnvSlot           = "RECALL_RELAY_SLOT"
	EnvPublication    = "RECALL_RELAY_PUBLICATION"
	EnvTopicPrefix    = "RECALL_TOPIC_PREFIX"
	EnvSource         = "RECALL_RELAY_SOURCE"
	EnvPartitions     = "RECALL_TOPIC_PARTITIONS"
	EnvListen         = "RECALL_RELAY_LISTEN"
	EnvCompression    = "RECALL_RELAY_COMPRESSION"
	EnvLinger         = "RECALL_RELAY_LINGER"
	EnvMaxInFlight    = "RECALL_RELAY_MAX_IN_FLIGHT"
	EnvStatusInterval = "RECALL_RELAY_STATUS_INTERVAL"
)

// DefaultConfig is the embedded run's configuration (shared/DESIGN.md).
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
	}
}

// ParseConfig reads flags from args over environment variables (getenv) over
// DefaultConfig. Errors of parsing and of Validate come back joined.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	var errs []error
	env := func(name string, set func(string) error) {
		if v := getenv(name); v != "" {
			if err := set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	}
	str := func(p *string) func(string) error { return func(v string) error { *p = v; return nil } }
	num := func(p *int) func(string) error {
		return func(v string) (err error) { *p, err = strconv.Atoi(v); return err }
	}
	dur := func(p *time.Duration) func(string) error {
		return func(v string) (err error) { *p, err = time.ParseDuration(v); return err }
	}
	brokers := strings.Join(c.KafkaBrokers, ",")
	env(EnvDatabaseURL, str(&c.DatabaseURL))
	env(EnvKafkaBrokers, str(&brokers))
	env(EnvRegistryURL, str(&c.SchemaRegistryURL))
	env(EnvSlot, str(&c.Slot))
	env(EnvPublication, str(&c.Publication))
	env(EnvTopicPrefix, str(&c.TopicPrefix))
	env(EnvSource, str(&c.Source))
	env(EnvPartitions, num(&c.Partitions))
	env(EnvListen, str(&c.Listen))
	env(EnvCompression, str(&c.Compression))
	env(EnvLinger, dur(&c.Linger))
	env(EnvMaxInFlight, num(&c.MaxInFlight))
	env(EnvStatusInterval, dur(&c.StatusInterval))

	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "event store ($"+EnvDatabaseURL+")")
	fs.StringVar(&brokers, "kafka-brokers", brokers, "comma-separated seed brokers ($"+EnvKafkaBrokers+")")
	fs.StringVar(&c.SchemaRegistryURL, "schema-registry-url", c.SchemaRegistryURL, "($"+EnvRegistryURL+")")
	fs.StringVar(&c.Slot, "slot", c.Slot, "replication slot ($"+EnvSlot+")")
	fs.StringVar(&c.Publication, "publication", c.Publication, "($"+EnvPublication+")")
	fs.StringVar(&c.TopicPrefix, "topic-prefix", c.TopicPrefix, "topics are <prefix>.<aggregate_type>.events ($"+EnvTopicPrefix+")")
	fs.StringVar(&c.Source, "source", c.Source, "ce_source header ($"+EnvSource+")")
	fs.IntVar(&c.Partitions, "partitions", c.Partitions, "partitions of created topics ($"+EnvPartitions+")")
	fs.IntVar(&c.ReplicationFactor, "replication-factor", c.ReplicationFactor, "of created topics; -1 broker default")
	fs.StringVar(&c.Listen, "listen", c.Listen, "health and metrics address ($"+EnvListen+")")
	fs.StringVar(&c.Compression, "compression", c.Compression, "none, lz4, snappy, zstd, gzip ($"+EnvCompression+")")
	fs.DurationVar(&c.Linger, "linger", c.Linger, "producer linger ($"+EnvLinger+")")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", c.MaxInFlight, "unacked records at most ($"+EnvMaxInFlight+")")
	fs.DurationVar(&c.StatusInterval, "status-interval", c.StatusInterval, "standby status period ($"+EnvStatusInterval+")")
	if err := fs.Parse(args); err != nil {
		errs = append(errs, err)
	}
	c.KafkaBrokers = splitList(brokers)
	if err := errors.Join(append(errs, c.Validate())...); err != nil {
		return c, fmt.Errorf("relay: config: %w", err)
	}
	return c, nil
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
	return errors.Join(errs...)
}

func (c Config) replicationOptions() replication.Options {
	return replication.Options{
		DatabaseURL: c.DatabaseURL, Slot: c.Slot, Publication: c.Publication,
		StatusInterval: c.StatusInterval, MaxInFlight: c.MaxInFlight, Logger: c.Logger,
	}
}
