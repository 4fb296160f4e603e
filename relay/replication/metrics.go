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
}

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
	reg.MustRegister(m.Connected, m.Standby, m.SlotLag, m.ConfirmedLSN, m.CommitToAck, m.Transactions)
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
