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
	// PasswordChecks counts password checks (login, and PUT …/password with
	// current_password) by route and outcome: ok, failed, locked_out, throttled_client,
	// throttled_username, busy, error. Both labels come from fixed sets.
	PasswordChecks *prometheus.CounterVec
	// Lockouts counts failures that (re)locked a username; LockoutsCleared counts an
	// admin's clears that removed something.
	Lockouts, LockoutsCleared prometheus.Counter
	// ReadWaiters is the read-your-writes waits held now (admitted, not yet answered).
	ReadWaiters prometheus.Gauge
	// ReadWakeups counts waits released because their row reached the revision.
	ReadWakeups prometheus.Counter
	// ReadQueriesPerWait is the database reads one wait cost: its first read (skipped
	// when a notification already said the row is behind) plus the shared reads of its
	// row it took part in (1 when healthy, 2 when the first read was needed).
	ReadQueriesPerWait prometheus.Histogram
	// ReadWaitRejections counts waits refused at once by the caps, by reason: caller
	// (429) or total (503).
	ReadWaitRejections *prometheus.CounterVec
	// RequestToCommit and ApplyToVisible are command-api's hops of recall_hop_seconds:
	// from a command's request arriving to its append committed, and from the
	// notification of a projector's apply to the read-your-writes waits it released.
	RequestToCommit, ApplyToVisible prometheus.Observer
}

// HopMetric is the histogram of the latency of each hop of an event's way, exported by
// every process for the hops it sees, with the same buckets: request_to_commit and
// apply_to_visible (command-api), commit_to_receive and receive_to_ack (relay),
// kafka_to_apply (projector).
const HopMetric = "hop_seconds"

// command-api's hops.
const (
	HopRequestToCommit = "request_to_commit"
	HopApplyToVisible  = "apply_to_visible"
)

// The routes and outcomes of PasswordChecks.
const (
	CheckLogin    = "login"
	CheckPassword = "password"

	CheckOK                = "ok"
	CheckFailed            = "failed"
	CheckLockedOut         = "locked_out"
	CheckThrottledClient   = "throttled_client"
	CheckThrottledUsername = "throttled_username"
	CheckBusy              = "busy"
	CheckError             = "error"
)

// CheckOutcomes lists every outcome of PasswordChecks.
var CheckOutcomes = []string{CheckOK, CheckFailed, CheckLockedOut, CheckThrottledClient, CheckThrottledUsername, CheckBusy, CheckError}

// Bounded HTTP label values: a method outside KnownMethods is "other", a request that
// matched no route is "unmatched".
const (
	MethodOther    = "other"
	RouteUnmatched = "unmatched"
)

// KnownMethods are the HTTP methods labelled as themselves.
var KnownMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "OPTIONS": true, "CONNECT": true, "TRACE": true}

// MethodLabel is method when it is a known one, else "other": clients choose methods
// freely, and every distinct label value is a new series.
func MethodLabel(method string) string {
	if KnownMethods[method] {
		return method
	}
	return MethodOther
}

// StatusClass is "1xx".."5xx" for a status code, "other" outside 100..599.
func StatusClass(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return string(rune('0'+code/100)) + "xx"
}

// HashQueue exports the number of password hashes waiting for a slot.
func HashQueue(reg prometheus.Registerer, waiting func() int) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "recall", Subsystem: "auth", Name: "hash_queue",
		Help: "Password hashes waiting for a hashing slot (beyond the queue's bound: 429).",
	}, func() float64 { return float64(waiting()) }))
}

// The reasons of ReadWaitRejections.
const (
	RejectCaller = "caller"
	RejectTotal  = "total"
)

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
			Help: "HTTP requests by method (known ones, else other), route template (unmatched for none) and status class (2xx…).", Buckets: buckets,
		}, []string{"method", "route", "status_class"}),
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
		ReadWaiters: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "recall", Subsystem: "query", Name: "read_your_writes_waiters",
			Help: "Read-your-writes waits held now.",
		}),
		ReadWakeups: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "recall", Subsystem: "query", Name: "read_your_writes_wakeups_total",
			Help: "Read-your-writes waits released because the read model reached their revision.",
		}),
		ReadQueriesPerWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "recall", Subsystem: "query", Name: "read_your_writes_queries_per_wait",
			Help:    "Database reads one read-your-writes wait cost (its first read and the shared reads of its row).",
			Buckets: []float64{0, 1, 2, 3, 4, 6, 10},
		}),
		ReadWaitRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "recall", Subsystem: "query", Name: "read_your_writes_rejections_total",
			Help: "Read-your-writes waits refused at once by the caps: caller (429) or total (503).",
		}, []string{"reason"}),
	}
	m.PasswordChecks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "recall", Subsystem: "auth", Name: "password_checks_total",
		Help: "Password checks (route login or password) by outcome: ok, failed, locked_out, throttled_client, throttled_username, busy, error.",
	}, []string{"route", "outcome"})
	m.Lockouts = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "recall", Subsystem: "auth", Name: "lockouts_total",
		Help: "Failed password checks that locked (or kept locking) a username."})
	m.LockoutsCleared = prometheus.NewCounter(prometheus.CounterOpts{Namespace: "recall", Subsystem: "auth", Name: "lockouts_cleared_total",
		Help: "Lockouts an admin cleared."})
	for _, o := range []string{WaitFresh, WaitWaited, WaitTimeout} {
		m.ReadYourWrites.WithLabelValues(o) // export zeros, so rate() and alerts see the series at once
	}
	for _, route := range []string{CheckLogin, CheckPassword} {
		for _, o := range CheckOutcomes {
			m.PasswordChecks.WithLabelValues(route, o)
		}
	}
	for _, r := range []string{RejectCaller, RejectTotal} {
		m.ReadWaitRejections.WithLabelValues(r)
	}
	hops := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "recall", Name: HopMetric,
		Help:    "Latency of one hop of an event's way from request to a read-your-writes waiter, by hop; each process exports its own hops.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"hop"})
	m.RequestToCommit, m.ApplyToVisible = hops.WithLabelValues(HopRequestToCommit), hops.WithLabelValues(HopApplyToVisible)
	reg.MustRegister(hops)
	reg.MustRegister(m.HTTP, m.Commands, m.CommandDuration, m.Append, m.Conflicts, m.ReadYourWrites,
		m.PasswordChecks, m.Lockouts, m.LockoutsCleared, m.ReadWaiters, m.ReadWakeups, m.ReadQueriesPerWait, m.ReadWaitRejections)
	return m
}
