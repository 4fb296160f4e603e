package projection

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kprom"
)

// Metrics are the runtime's instruments, labelled by projection. One Metrics
// serves every Runner of a process; register it once on the process's
// registry.
type Metrics struct {
	Applied      *prometheus.CounterVec   // events applied (redeliveries not counted)
	Skipped      *prometheus.CounterVec   // redelivered events skipped
	BatchSize    *prometheus.HistogramVec // messages per handled partition batch
	ApplyLatency *prometheus.HistogramVec // seconds per Handle call
	EndToEnd     *prometheus.HistogramVec // seconds from the event's recorded_at to applied
	// Hops is recall_hop_seconds{hop="kafka_to_apply"}: from the record's Kafka timestamp
	// (the relay's produce) to its application, the projector's hop of an event's way.
	Hops        *prometheus.HistogramVec
	Lag         *prometheus.GaugeVec   // end offset minus the group's committed offset, per partition
	Stalled     *prometheus.GaugeVec   // seconds a lagging partition has gone without committed progress
	Assigned    *prometheus.GaugeVec   // 1 per partition this process holds; absent otherwise
	Retries     *prometheus.CounterVec // retries scheduled, by class
	DeadLetters *prometheus.CounterVec // records sent to the DLQ
	Gaps        *prometheus.CounterVec // gaps met (each retry counts)
	Paused      *prometheus.GaugeVec   // 1 while a partition waits for a retry
	// BadSignatures counts records refused by the Verifier (dead-lettered).
	BadSignatures *prometheus.CounterVec
	// IntegrityAlarms counts records whose revision was applied with another event id
	// (each retry counts): someone wrote to the topic who should not have.
	IntegrityAlarms *prometheus.CounterVec
	reg             prometheus.Registerer // where each Runner's kprom client metrics go

	mu   sync.Mutex
	live map[string]bool // groups whose client has kprom metrics registered
}

// KafkaNamespace prefixes the franz-go client metrics (kprom) of every Recall
// process: recall_kafka_connects_total, recall_kafka_fetch_bytes_total, ...
const KafkaNamespace = "recall_kafka"

// client returns the kprom hooks of one consumer client, labelled
// client=<group> so every projection version has its own series; they
// unregister when the client closes. A second live client of the same group
// in one process (only tests run two) gets none: its series would collide
// with the first's, and kprom panics on a duplicate registration.
func (m *Metrics) client(group string) []kgo.Hook {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live[group] {
		return nil
	}
	if m.live == nil {
		m.live = map[string]bool{}
	}
	m.live[group] = true
	return []kgo.Hook{clientMetrics{kprom.NewMetrics(KafkaNamespace,
		kprom.Registerer(m.reg),
		kprom.WithStaticLabel(prometheus.Labels{"client": group}),
		kprom.Histograms(kprom.RequestDurationE2E),
	), func() { m.release(group) }}}
}

func (m *Metrics) release(group string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.live, group)
}

// clientMetrics are kprom's hooks plus a release of the group's label when
// the client closes.
type clientMetrics struct {
	*kprom.Metrics
	release func()
}

func (c clientMetrics) OnClientClosed(cl *kgo.Client) {
	c.Metrics.OnClientClosed(cl)
	c.release()
}

// HopMetric is the histogram every process exports for its hops of an event's way (see
// the relay's replication.HopMetric); the projector's is HopKafkaToApply.
const (
	HopMetric       = "recall_hop_seconds"
	HopKafkaToApply = "kafka_to_apply"
)

// NewMetrics creates the instruments and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	p := []string{"projection"}
	pp := []string{"projection", "topic", "partition"}
	m := &Metrics{
		reg: reg,
		Applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recall_projector_events_applied_total",
			Help: "Events applied to a read model or side effect."}, p),
		Skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recall_projector_events_skipped_total",
			Help: "Redelivered events skipped because their revision was already applied."}, p),
		BatchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "recall_projector_batch_size",
			Help: "Messages per partition batch handed to a projection.", Buckets: prometheus.ExponentialBuckets(1, 4, 8)}, p),
		ApplyLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "recall_projector_apply_seconds",
			Help: "Time to apply one partition batch (one transaction).", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, p),
		EndToEnd: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "recall_projector_end_to_end_seconds",
			Help: "From the event's recorded_at to its application.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}, p),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "recall_projector_consumer_lag",
			Help: "Records between the group's committed offset and the partition's end offset, as an outside observer sees it (every partition of the topic, whoever holds it)."}, pp),
		Stalled: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "recall_projector_partition_stalled_seconds",
			Help: "Seconds a partition has lagged without its group's committed offset moving; 0 when it has no lag."}, pp),
		Assigned: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "recall_projector_partition_assigned",
			Help: "1 for each partition this process holds in the projection's group."}, pp),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recall_projector_retries_total",
			Help: "Partition retries scheduled, by failure class."}, []string{"projection", "class"}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recall_projector_dead_letters_total",
			Help: "Records sent to the dead-letter topic."}, p),
		Gaps: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recall_projector_gaps_total",
			Help: "Revision gaps met; the partition pauses until the gap closes."}, p),
		Paused: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "recall_projector_partition_paused",
			Help: "1 while a partition is paused waiting for a retry."}, pp),
		BadSignatures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recall_projector_bad_signatures_total",
			Help: "Records without a valid signature, dead-lettered unapplied."}, p),
		IntegrityAlarms: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "recall_projector_integrity_alarms_total",
			Help: "Records whose revision was already applied with another event id; the partition pauses."}, p),
	}
	m.Hops = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: HopMetric,
		Help:    "Latency of one hop of an event's way from request to a read-your-writes waiter, by hop; each process exports its own hops.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"hop"})
	m.Hops.WithLabelValues(HopKafkaToApply)
	reg.MustRegister(m.Applied, m.Skipped, m.BatchSize, m.ApplyLatency, m.EndToEnd, m.Lag, m.Stalled, m.Assigned,
		m.Retries, m.DeadLetters, m.Gaps, m.Paused, m.BadSignatures, m.IntegrityAlarms, m.Hops)
	return m
}

// Forget deletes every series of projection, for a version that stopped for good
// (retired) or a projection this instance stopped: its last consumer lag, stall and
// paused flags would otherwise stay exported, frozen, and keep alerting on a group
// nobody consumes.
func (m *Metrics) Forget(projection string) {
	only := prometheus.Labels{"projection": projection}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
		m.Applied, m.Skipped, m.BatchSize, m.ApplyLatency, m.EndToEnd, m.Lag, m.Stalled, m.Assigned,
		m.Retries, m.DeadLetters, m.Gaps, m.Paused, m.BadSignatures, m.IntegrityAlarms,
	} {
		v.DeletePartialMatch(only)
	}
}

func partLabel(p int32) string { return strconv.Itoa(int(p)) }

// forget drops a stopped runner's per-partition gauges (a stopped projection's lag and
// stall must not linger as if it still mattered); its counters stay, since a runner of the
// same projection may start again in this process and they must keep counting.
func (m *Metrics) forget(projection string) {
	l := prometheus.Labels{"projection": projection}
	for _, v := range []*prometheus.GaugeVec{m.Lag, m.Stalled, m.Assigned, m.Paused} {
		v.DeletePartialMatch(l)
	}
}
