package ops

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is one condition of readiness. Func's error is logged with Name; the probe
// answer says only "failing".
type Check struct {
	Name string
	Func func(ctx context.Context) error
}

// Probes answers /livez, /readyz and /metrics.
type Probes struct {
	Checks   []Check
	Gatherer prometheus.Gatherer // served at /metrics; nil: no /metrics route
	Logger   *slog.Logger        // nil: failures are not logged
	// Timeout bounds one /readyz (all checks); default 2s.
	Timeout time.Duration
}

// Status values of a probe answer and of each check in it.
const (
	StatusOK          = "ok"
	StatusUnavailable = "unavailable"
	CheckOK           = "ok"
	CheckFailing      = "failing"
)

// Answer is the JSON body of /livez and /readyz.
type Answer struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

// Handler serves the three routes (GET only).
func (p Probes) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", p.Livez)
	mux.HandleFunc("GET /readyz", p.Readyz)
	if p.Gatherer != nil {
		mux.Handle("GET /metrics", p.Metrics())
	}
	return mux
}

// Livez answers 200 {"status":"ok"}: the process serves HTTP.
func (p Probes) Livez(w http.ResponseWriter, _ *http.Request) {
	write(w, http.StatusOK, Answer{Status: StatusOK})
}

// Readyz runs every check and answers 200 {"status":"ok"} or 503 with each check's state.
func (p Probes) Readyz(w http.ResponseWriter, r *http.Request) {
	if a, ok := p.Ready(r.Context()); !ok {
		write(w, http.StatusServiceUnavailable, a)
		return
	}
	write(w, http.StatusOK, Answer{Status: StatusOK})
}

// Ready runs the checks; the Answer names each check's state when one fails.
func (p Probes) Ready(ctx context.Context) (Answer, bool) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a := Answer{Status: StatusOK, Checks: make(map[string]string, len(p.Checks))}
	for _, c := range p.Checks {
		a.Checks[c.Name] = CheckOK
		if err := c.Func(ctx); err != nil {
			a.Status, a.Checks[c.Name] = StatusUnavailable, CheckFailing
			if p.Logger != nil {
				p.Logger.Warn("readiness check failing", slog.String("check", c.Name), slog.Any("err", err))
			}
		}
	}
	return a, a.Status == StatusOK
}

// Metrics serves the Gatherer's metrics, with promhttp's own error counters on it when it
// is a registry.
func (p Probes) Metrics() http.Handler {
	opts := promhttp.HandlerOpts{}
	if reg, ok := p.Gatherer.(prometheus.Registerer); ok {
		opts.Registry = reg
	}
	return promhttp.HandlerFor(p.Gatherer, opts)
}

func write(w http.ResponseWriter, code int, a Answer) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(a)
}
