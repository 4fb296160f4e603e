package replication

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the replication side's instruments. Register them on the process's
// registry with NewMetrics; a nil *Metrics records nothing.
type Metrics struct {
	Connected    prometheus.Gauge
	Standby      prometheus.Gauge
	SlotLag      prometheus.Gauge
	ConfirmedLSN prometheus.Gauge
	CommitToAck  prometheus.Histogram
	Transactions prometheus.Counter
	// CommitToReceive and ReceiveToAck are the relay's hops of recall_hop_seconds, per
	// transaction with events: its commit in PostgreSQL → its Begin received here, and
	// received → Kafka acked its last record.
	CommitToReceive, ReceiveToAck prometheus.Observer
}

// HopMetric is the histogram of the latency of each hop of an event's way, exported by
// every process for the hops it sees, with the same buckets (the dashboard stacks them):
// request_to_commit and apply_to_visible (command-api), commit_to_receive and
// receive_to_ack (relay), kafka_to_apply (projector).
const HopMetric = "recall_hop_seconds"

// Hops are the hop label values the relay exports.
const (
	HopCommitToReceive = "commit_to_receive"
	HopReceiveToAck    = "receive_to_ack"
)

// NewMetrics creates the instruments and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "recall_relay_connected", Help: "1 while the relay streams its replication slot.",
		}),
		Standby: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "recall_relay_standby", Help: "1 while another relay holds the slot and this one waits.",
		}),
		SlotLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "recall_relay_slot_lag_bytes", Help: "pg_current_wal_lsn() - confirmed_flush_lsn of the slot: WAL the server keeps for the relay.",
		}),
		ConfirmedLSN: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "recall_relay_confirmed_lsn", Help: "The LSN acknowledged to PostgreSQL (everything before it is in Kafka).",
		}),
		CommitToAck: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "recall_relay_commit_to_ack_seconds",
			Help:    "From a transaction's commit in PostgreSQL to Kafka acking its last record (and every earlier one).",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		Transactions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "recall_relay_transactions_confirmed_total", Help: "Transactions with events whose records Kafka has all acked.",
		}),
	}
	hops := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: HopMetric,
		Help:    "Latency of one hop of an event's way from request to a read-your-writes waiter, by hop; each process exports its own hops.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"hop"})
	m.CommitToReceive, m.ReceiveToAck = hops.WithLabelValues(HopCommitToReceive), hops.WithLabelValues(HopReceiveToAck)
	reg.MustRegister(m.Connected, m.Standby, m.SlotLag, m.ConfirmedLSN, m.CommitToAck, m.Transactions, hops)
	return m
}

func (m *Metrics) setConnected(up bool) {
	if m == nil {
		return
	}
	v := 0.0
	if up {
		v = 1
	}
	m.Connected.Set(v)
}

// SetStandby records whether the relay waits for another to release the slot.
func (m *Metrics) SetStandby(on bool) {
	if m == nil {
		return
	}
	v := 0.0
	if on {
		v = 1
	}
	m.Standby.Set(v)
}
