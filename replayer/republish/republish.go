package republish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/plugin/kslog"

	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/relay/publish"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/schemas"
)

// Config says where everything is and how the relay names and stamps its records.
type Config struct {
	DatabaseURL string
	Brokers     []string
	RegistryURL string
	TopicPrefix string        // the relay's; record.DefaultTopicPrefix
	Source      string        // the relay's ce_source; record.DefaultSource
	Timeout     time.Duration // of each Kafka request and of waiting for open transactions; 30s
	// Logger receives the Kafka client's logs; nil discards them.
	Logger *slog.Logger
	// Registerer, when set, gets the Kafka client's metrics (kprom, client=replayer).
	Registerer prometheus.Registerer
	// KafkaOpts and RegistryOpts secure the connections (kafkaauth).
	KafkaOpts    []kgo.Opt
	RegistryOpts []sr.ClientOpt
	// Signer signs the records as the relay does; nil: unsigned (verifying consumers
	// dead-letter them).
	Signer *schemas.Keyring
}

func (c *Config) withDefaults() {
	if c.TopicPrefix == "" {
		c.TopicPrefix = record.DefaultTopicPrefix
	}
	if c.Source == "" {
		c.Source = record.DefaultSource
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("database URL is empty"))
	}
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("no Kafka brokers"))
	}
	if u, err := url.Parse(c.RegistryURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("schema registry URL %q: want http(s)://host[:port]", c.RegistryURL))
	}
	return errors.Join(errs...)
}

// Republisher plans and executes republish jobs.
type Republisher struct {
	cfg   Config
	pool  *pgxpool.Pool
	store *eventstore.Store
	cl    *kgo.Client
	adm   *kadm.Client
	sr    *sr.Client
}

// New connects lazily to the database, Kafka and the registry.
func New(ctx context.Context, cfg Config) (*Republisher, error) {
	cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("republish: %w", err)
	}
	pool, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("republish: database: %w", err)
	}
	codec, err := publish.Codec(publish.DefaultCompression)
	if err != nil {
		pool.Close()
		return nil, err
	}
	// As the relay's producer: idempotent (franz-go's default), acks=all, its partitioner.
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(publish.Partitioner()),
		kgo.ProducerLinger(publish.DefaultLinger),
		kgo.ProducerBatchCompression(codec),
		kgo.RequestTimeoutOverhead(cfg.Timeout),
		kgo.ClientID("recall-replayer"),
		kgo.WithLogger(kslog.New(cfg.Logger)),
		kgo.WithHooks(publish.KafkaHooks(cfg.Registerer, "replayer")...),
	}, cfg.KafkaOpts...)...)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("republish: kafka client: %w", err)
	}
	srCl, err := sr.NewClient(append([]sr.ClientOpt{sr.URLs(cfg.RegistryURL)}, cfg.RegistryOpts...)...)
	if err != nil {
		pool.Close()
		cl.Close()
		return nil, fmt.Errorf("republish: schema registry client: %w", err)
	}
	adm := kadm.NewClient(cl)
	adm.SetTimeoutMillis(int32(cfg.Timeout.Milliseconds()))
	return &Republisher{cfg: cfg, pool: pool, store: eventstore.New(pool), cl: cl, adm: adm, sr: srCl}, nil
}

// Close releases the connections.
func (r *Republisher) Close() {
	r.cl.Close()
	r.pool.Close()
}
