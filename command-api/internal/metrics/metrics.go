package metrics

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the collectors of one command-api process.
type Metrics struct {
	// HTTP is the RED histogram: rate and errors by code, duration by route template.
	HTTP *prometheus.HistogramVec
	// Commands counts handled commands by type and outcome (ok, noop, validation,
	// not_found, deleted, conflict, precondition, error…).
	Commands *prometheus.CounterVec
	// CommandDuration is the whole load → decide → append time by command type.
	CommandDuration *prometheus.HistogramVec
	// Append is the latency of one event store append transaction.
	Append prometheus.Histogram
	// Conflicts counts optimistic concurrency conflicts by command type, retried or not.
	Conflicts *prometheus.CounterVec
	// ReadYourWrites counts GET /v1/users/{id}?min_revision=N by outcome: fresh (the read
	// model already had N), waited (it reached N within the wait), timeout (503
	// projection-lagging). A request whose client went away is not counted.
	ReadYourWrites *prometheus.CounterVec
}

// The outcomes of ReadYourWrites.
const (
	WaitFresh   = "fresh"
	WaitWaited  = "waited"
	WaitTimeout = "timeout"
)

// New creates the collectors and registers them on reg.
func New(reg prometheus.Registerer) *Metrics {
	buckets := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	m := &Metrics{
		HTTP: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "recall", Subsystem: "http", Name: "request_duration_seconds",
			Help: "HTTP requests by method, route template and status code.", Buckets: buckets,
		}, []string{"method", "route", "code"}),
		Commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "recall", Subsystem: "commands", Name: "total",
			Help: "Commands handled by type and outcome.",
		}, []string{"command", "outcome"}),
		CommandDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "recall", Subsystem: "commands", Name: "duration_seconds",
			Help: "Command handling time (load, decide, append, retries) by type.", Buckets: buckets,
		}, []string{"command"}),
		Append: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "recall", Subsystem: "eventstore", Name: "append_duration_seconds",
			Help: "Latency of one event store append transaction.", Buckets: buckets,
		}),
		Conflicts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "recall", Subsystem: "commands", Name: "concurrency_conflicts_total",
			Help: "Optimistic concurrency conflicts met while appending, by command type.",
		}, []string{"command"}),
		ReadYourWrites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "recall", Subsystem: "query", Name: "read_your_writes_total",
			Help: "Reads with min_revision by outcome: fresh, waited, timeout.",
		}, []string{"outcome"}),
	}
	for _, o := range []string{WaitFresh, WaitWaited, WaitTimeout} {
		m.ReadYourWrites.WithLabelValues(o) // export zeros, so rate() and alerts see the series at once
	}
	reg.MustRegister(m.HTTP, m.Commands, m.CommandDuration, m.Append, m.Conflicts, m.ReadYourWrites)
	return m
}
