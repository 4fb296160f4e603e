package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/twmb/franz-go/pkg/sr"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/ops"
	"github.com/recall-events/recall/ops/tracing"
	"github.com/recall-events/recall/relay/publish"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/relay/replication"
	"github.com/recall-events/recall/schemas"
)

// Run runs the relay until ctx ends, then stops gracefully: in-flight records are
// acked, the checkpoint saved and the slot acknowledged (bounded by a timeout). Failures
// of PostgreSQL, Kafka or the registry are retried with backoff, so Run returns an error
// only for a bad Config or an ops listener that cannot bind or fails.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("relay: config: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
		cfg.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	tp, flushSpans, err := tracing.Resolve(cfg.TracerProvider, cfg.Tracing, "relay")
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	r := &relay{cfg: cfg, log: cfg.Logger, repMetrics: replication.NewMetrics(cfg.Registry), pubMetrics: publish.NewMetrics(cfg.Registry)}
	if tracing.Enabled(tp) {
		r.tracer = tp.Tracer(tracing.Scope("relay"))
	}
	// After ops.Run: the publisher has flushed and its last spans have ended.
	defer func() {
		if err := flushSpans(context.Background()); err != nil {
			r.log.Warn("spans not flushed", "err", err)
		}
	}()
	var ln, opsLn net.Listener
	if cfg.Listen != "" {
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return fmt.Errorf("relay: listen %s: %w", cfg.Listen, err)
		}
	}
	probes := r.probes()
	parts := []func(context.Context) error{r.stream}
	if cfg.OpsAddr != "" {
		if opsLn, err = net.Listen("tcp", cfg.OpsAddr); err != nil {
			if ln != nil {
				ln.Close()
			}
			return fmt.Errorf("relay: listen %s: %w", cfg.OpsAddr, err)
		}
		parts = append(parts, r.serveOps(opsLn, probes.Handler()))
		probes.Gatherer = nil // /metrics only on the ops listener
	}
	err = ops.Run(ctx, append(parts, r.serveOps(ln, probes.Handler()))...)
	r.log.Info("relay stopped")
	return err
}

// stream sets up and runs replication sessions until ctx ends.
func (r *relay) stream(ctx context.Context) error {
	pub, err := r.setUp(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped during set-up
		}
		return err
	}
	defer pub.Close()
	r.sessions(ctx, pub)
	return nil
}

type relay struct {
	cfg        Config
	log        *slog.Logger
	repMetrics *replication.Metrics
	pubMetrics *publish.Metrics
	ready      readiness
	tracer     trace.Tracer // nil: tracing off
}

// topics are the topics of every aggregate type in the schema catalog, sorted.
func (r *relay) topics() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range schemas.Catalog() {
		t := record.Topic(r.cfg.TopicPrefix, s.AggregateType)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// setUp migrates the checkpoint table, registers the schemas and creates the topics,
// retrying each until it works or ctx ends.
func (r *relay) setUp(ctx context.Context) (*publish.Publisher, error) {
	if err := r.retry(ctx, "migrate checkpoint table", func() error {
		return replication.Migrate(ctx, r.cfg.DatabaseURL)
	}); err != nil {
		return nil, err
	}
	srOpts, err := r.cfg.Auth.RegistryOpts()
	if err != nil {
		return nil, err
	}
	kafkaOpts, err := r.cfg.Auth.KafkaOpts()
	if err != nil {
		return nil, err
	}
	srCl, err := sr.NewClient(append(srOpts, sr.URLs(r.cfg.SchemaRegistryURL))...)
	if err != nil {
		return nil, fmt.Errorf("relay: schema registry client: %w", err)
	}
	var regs []schemas.Registered
	for _, topic := range r.topics() {
		var reg schemas.Registered
		if err := r.retry(ctx, "register schemas", func() (err error) {
			reg, err = schemas.Register(ctx, srCl, topic)
			return err
		}); err != nil {
			return nil, err
		}
		regs = append(regs, reg)
		r.log.Info("schemas registered", "topic", topic, "schemas", len(reg.Entries))
	}
	signer, err := r.cfg.signer()
	if err != nil {
		return nil, err
	}
	b := record.NewBuilder(record.Options{TopicPrefix: r.cfg.TopicPrefix, Source: r.cfg.Source, Signer: signer}, regs...)
	pub, err := publish.New(publish.Options{
		Brokers: r.cfg.KafkaBrokers, Partitions: int32(r.cfg.Partitions), ReplicationFactor: int16(r.cfg.ReplicationFactor),
		Linger: r.cfg.Linger, Compression: r.cfg.Compression, MaxBuffered: r.cfg.MaxInFlight * 2,
		Logger: r.log, Metrics: r.pubMetrics, KafkaOpts: kafkaOpts, Tracer: r.tracer,
	}, b)
	if err != nil {
		return nil, err
	}
	if err := r.retry(ctx, "create topics", func() error { return pub.EnsureTopics(ctx, r.topics()) }); err != nil {
		pub.Close()
		return nil, err
	}
	return pub, nil
}

// sessions runs replication sessions until ctx ends. A relay that finds the slot held
// stands by; any other failure is logged and retried, with backoff either way.
func (r *relay) sessions(ctx context.Context, pub *publish.Publisher) {
	opts := r.cfg.replicationOptions()
	opts.Metrics = r.repMetrics
	opts.Streaming = r.ready.set
	s, err := replication.NewSession(opts, pub)
	if err != nil {
		r.log.Error("relay: replication options", "err", err) // Validate already passed
		return
	}
	var b backoff
	b.max = r.cfg.RetryMax
	standing := false
	for ctx.Err() == nil {
		began := time.Now()
		err := s.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		switch {
		case replication.IsStandby(err):
			if !standing {
				r.log.Info("standing by: another relay streams the slot", "slot", r.cfg.Slot, "err", err)
			}
			standing = true
		default:
			if standing {
				r.log.Info("no longer standing by", "slot", r.cfg.Slot)
			}
			standing = false
			r.log.Error("replication session ended", "err", err, "after", time.Since(began).String())
		}
		r.repMetrics.SetStandby(standing)
		if time.Since(began) > time.Minute {
			b.reset() // it streamed for a while: this failure is new
		}
		if ops.Sleep(ctx, b.next()) != nil {
			return
		}
	}
}

func (r *relay) retry(ctx context.Context, what string, fn func() error) error {
	var b backoff
	b.max = r.cfg.RetryMax
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.log.Warn("relay: "+what+" failed; retrying", "err", err)
		if ops.Sleep(ctx, b.next()) != nil {
			return ctx.Err()
		}
	}
}

// backoff doubles from 100 ms up to max and takes up to 25% off each wait, so
// standbys do not retry in step; a wait is never longer than max. Its own on purpose: it
// is stateful (reset after a minute of streaming), and cenkalti/backoff's randomization
// would wait up to 25% past max.
type backoff struct {
	cur, max time.Duration
}

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = 100 * time.Millisecond
	} else {
		b.cur = min(b.cur*2, b.max)
	}
	return b.cur - time.Duration(float64(b.cur)*0.25*randFloat())
}

func (b *backoff) reset() { b.cur = 0 }

func randFloat() float64 { return rand.Float64() }

var errNotReady = errors.New("not streaming: starting, reconnecting or standing by")
