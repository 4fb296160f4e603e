package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kprom"
	"github.com/twmb/franz-go/plugin/kslog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/ops/tracing"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/schemas"
)

// Options configure a Publisher. Zero fields take the defaults.
type Options struct {
	Brokers           []string
	Partitions        int32 // of created topics; default 12
	ReplicationFactor int16 // of created topics; -1 (default) is the broker's default
	Linger            time.Duration
	Compression       string // none, lz4 (default), snappy, zstd, gzip
	// MaxBuffered bounds the records the client buffers; the replication session keeps
	// fewer in flight, so Produce never blocks it.
	MaxBuffered int
	Logger      *slog.Logger
	Metrics     *Metrics
	// KafkaOpts are appended to the client's options (TLS and SASL, kafkaauth).
	KafkaOpts []kgo.Opt
	// Tracer, when set, makes a producer span for every record whose event carries a
	// traceparent, a child of it, and puts the span's own context in the record's
	// traceparent header. Nil (tracing off) leaves the header as the event had it.
	Tracer trace.Tracer
}

// Defaults of Options.
const (
	DefaultPartitions  = 12
	DefaultLinger      = 5 * time.Millisecond
	DefaultCompression = "lz4"
	DefaultMaxBuffered = 100_000
)

func (o *Options) withDefaults() {
	if o.Partitions <= 0 {
		o.Partitions = DefaultPartitions
	}
	if o.ReplicationFactor == 0 {
		o.ReplicationFactor = -1
	}
	if o.Linger <= 0 {
		o.Linger = DefaultLinger
	}
	if o.Compression == "" {
		o.Compression = DefaultCompression
	}
	if o.MaxBuffered <= 0 {
		o.MaxBuffered = DefaultMaxBuffered
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Codec returns the franz-go codec of a compression name.
func Codec(name string) (kgo.CompressionCodec, error) {
	switch strings.ToLower(name) {
	case "none", "":
		return kgo.NoCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("publish: compression %q: want none, lz4, snappy, zstd or gzip", name)
}

// Partitioner is the relay's partitioner: murmur2 of the key, as Kafka's Java client.
// Whoever else produces Recall's records (the replayer's republish) uses it, so a key
// lands on the same partition of a topic with the same partition count.
func Partitioner() kgo.Partitioner { return kgo.StickyKeyPartitioner(nil) }

// maxBatchBytes is franz-go's default batch limit. It is counted before compression, so
// it must stay under the broker's message.max.bytes (Kafka's default: 1 MiB) whatever
// compression achieves: sealed personal fields are random and barely compress, and a
// 4 MiB batch of them was refused whole (MESSAGE_TOO_LARGE) once a backlog filled the
// batches (TestABacklogOfIncompressibleRecordsIsAccepted).
const maxBatchBytes = 1_000_012

// Publisher sends events as records built by a record.Builder. Safe for concurrent use.
type Publisher struct {
	opts Options
	cl   *kgo.Client
	b    *record.Builder
}

// New returns a Publisher; it connects lazily.
func New(opts Options, b *record.Builder) (*Publisher, error) {
	opts.withDefaults()
	codec, err := Codec(opts.Compression)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(opts.Brokers...),
		kgo.RequiredAcks(kgo.AllISRAcks()), // idempotence (the default) requires it
		kgo.ProducerLinger(opts.Linger),
		kgo.ProducerBatchCompression(codec),
		kgo.ProducerBatchMaxBytes(maxBatchBytes),
		kgo.MaxBufferedRecords(opts.MaxBuffered),
		kgo.RecordPartitioner(Partitioner()),
		kgo.ClientID("recall-relay"),
		kgo.WithLogger(kslog.New(opts.Logger)),
		kgo.WithHooks(opts.Metrics.client("relay")...),
	}, opts.KafkaOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return &Publisher{opts: opts, cl: cl, b: b}, nil
}

// Client is the underlying franz-go client.
func (p *Publisher) Client() *kgo.Client { return p.cl }

// EnsureTopics creates the topics that do not exist, with retention.ms=-1 so that replay
// from offset zero always works.
func (p *Publisher) EnsureTopics(ctx context.Context, topics []string) error {
	adm := kadm.NewClient(p.cl)
	res, err := adm.CreateTopics(ctx, p.opts.Partitions, p.opts.ReplicationFactor,
		map[string]*string{"retention.ms": kadm.StringPtr("-1")}, topics...)
	if err != nil {
		return fmt.Errorf("publish: create topics: %w", err)
	}
	var errs []error
	for _, t := range res.Sorted() {
		switch {
		case t.Err == nil:
			p.opts.Logger.Info("created topic", "topic", t.Topic, "partitions", p.opts.Partitions)
		case errors.Is(t.Err, kerr.TopicAlreadyExists):
		default:
			errs = append(errs, fmt.Errorf("publish: create topic %s: %w", t.Topic, t.Err))
		}
	}
	return errors.Join(errs...)
}

// Publish builds e's record and produces it; done gets the outcome.
func (p *Publisher) Publish(ctx context.Context, e schemas.Event, commitLSN string, done func(error)) {
	r, err := p.b.Build(e, commitLSN)
	if err != nil {
		p.opts.Metrics.failed()
		done(err)
		return
	}
	var span trace.Span
	if p.opts.Tracer != nil {
		span = p.startSpan(ctx, r, e, commitLSN)
	}
	p.cl.Produce(ctx, r, func(r *kgo.Record, err error) {
		if err != nil {
			p.opts.Metrics.failed()
		} else {
			// r.Timestamp is when Produce buffered the record.
			p.opts.Metrics.published(r.Topic, time.Since(r.Timestamp))
		}
		if span != nil {
			endSpan(span, r, err)
		}
		done(err)
	})
}

// startSpan starts the producer span of r, a child of the trace in its event's metadata
// (the request that wrote the event), and hands the span's context on in r's traceparent
// header: the projector's span becomes its child. Records of events without a trace get
// no span: a root span per replicated row would trace the relay, not a request. The
// header is not covered by the record signature (ce_* and recall_* are), so replacing it
// leaves the signature valid.
func (p *Publisher) startSpan(ctx context.Context, r *kgo.Record, e schemas.Event, commitLSN string) trace.Span {
	i := slices.IndexFunc(r.Headers, func(h kgo.RecordHeader) bool { return h.Key == record.HeaderTraceparent })
	if i < 0 {
		return nil
	}
	parent := tracing.WithParent(ctx, string(r.Headers[i].Value))
	if !trace.SpanContextFromContext(parent).IsValid() {
		return nil
	}
	sctx, span := p.opts.Tracer.Start(parent, "send "+r.Topic, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			attribute.String("messaging.system", "kafka"),
			attribute.String("messaging.operation.type", "send"),
			attribute.String("messaging.destination.name", r.Topic),
			attribute.String("messaging.kafka.message.key", e.AggregateID),
			attribute.String("messaging.message.id", e.EventID),
			attribute.String("recall.commit_lsn", commitLSN),
			attribute.String("recall.event_type", e.EventType),
			attribute.Int64("recall.revision", e.Revision),
		))
	if tp := tracing.Traceparent(sctx); tp != "" {
		r.Headers[i].Value = []byte(tp)
	}
	return span
}

// endSpan ends a producer span at Kafka's answer: the partition and offset are known
// only then, and the span's length is the time from buffering to the ack.
func endSpan(span trace.Span, r *kgo.Record, err error) {
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	} else {
		span.SetAttributes(attribute.Int("messaging.destination.partition.id", int(r.Partition)),
			attribute.Int64("messaging.kafka.offset", r.Offset))
	}
	span.End()
}

// Flush waits until every buffered record is acked or failed, or ctx ends.
func (p *Publisher) Flush(ctx context.Context) error { return p.cl.Flush(ctx) }

// Close flushes (bounded) and closes the client.
func (p *Publisher) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = p.cl.Flush(ctx)
	p.cl.Close()
}

// Metrics are the producer's instruments; a nil *Metrics records nothing.
type Metrics struct {
	Published *prometheus.CounterVec
	Failed    prometheus.Counter
	Latency   prometheus.Histogram
	reg       prometheus.Registerer // where each client's kprom metrics go
}

// KafkaNamespace prefixes the franz-go client metrics (kprom) of every Recall
// process: recall_kafka_connects_total, recall_kafka_produce_bytes_total, ...
// The const label client says which process and client they count.
const KafkaNamespace = "recall_kafka"

// client returns the kprom hooks of one client, registered on the process's
// registry with client=name; they unregister when the client closes.
func (m *Metrics) client(name string) []kgo.Hook {
	if m == nil {
		return nil
	}
	return KafkaHooks(m.reg, name)
}

// KafkaHooks are the kprom hooks of a producer that works as the relay's (the
// replayer's republish uses them too): connects and connect errors, bytes
// written and read, produce and fetch bytes, and the request latency
// histogram, all labelled client=name, on reg. A nil reg records nothing.
// The metrics unregister when the client closes, so one name may be reused
// after a close, not by two live clients.
func KafkaHooks(reg prometheus.Registerer, name string) []kgo.Hook {
	if reg == nil {
		return nil
	}
	return []kgo.Hook{kprom.NewMetrics(KafkaNamespace,
		kprom.Registerer(reg),
		kprom.WithStaticLabel(prometheus.Labels{"client": name}),
		kprom.Histograms(kprom.RequestDurationE2E),
	)}
}

// NewMetrics creates the instruments and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reg: reg,
		Published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "recall_relay_events_published_total", Help: "Events Kafka has acked, by topic.",
		}, []string{"topic"}),
		Failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "recall_relay_produce_errors_total", Help: "Records that could not be built or produced.",
		}),
		Latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "recall_relay_produce_latency_seconds",
			Help:    "From handing a record to the producer to Kafka's ack.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 5, 30},
		}),
	}
	reg.MustRegister(m.Published, m.Failed, m.Latency)
	return m
}

func (m *Metrics) published(topic string, d time.Duration) {
	if m == nil {
		return
	}
	m.Published.WithLabelValues(topic).Inc()
	m.Latency.Observe(d.Seconds())
}

func (m *Metrics) failed() {
	if m == nil {
		return
	}
	m.Failed.Inc()
}
