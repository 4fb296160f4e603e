package projector

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recall-events/recall/ops"
)

var errNotInGroups = fmt.Errorf("not in every consumer group yet")

// probes are the projector's /livez, /readyz and /metrics: ready when the database
// answers and every runner has joined its group.
//
// Progress is deliberately not part of readiness: a projector serves no traffic,
// and an unready pod drops out of the Service endpoints Prometheus scrapes, which
// would hide the very metrics that show a stall. It has its own probe, /progressz.
func (p *process) probes(reg prometheus.Gatherer) ops.Probes {
	return ops.Probes{Gatherer: reg, Logger: p.log, Checks: []ops.Check{
		{Name: "database", Func: p.pool.Ping},
		{Name: "consumer_groups", Func: func(context.Context) error {
			if !p.ready() {
				return errNotInGroups
			}
			return nil
		}},
	}}
}

// progress is /progressz: 503 while any partition of any of the process's groups
// has lagged for StallAfter without its committed offset moving, whoever holds it
// (this process, a member that died without leaving, nobody). The alert
// RecallProjectorStalled says the same from the metrics.
func (p *process) progress() ops.Probes {
	return ops.Probes{Logger: p.log, Checks: []ops.Check{
		{Name: "committed_progress", Func: func(context.Context) error {
			if s := p.stalled(); len(s) > 0 {
				return fmt.Errorf("lagging without committed progress for %v: %s", p.cfg.StallAfter, strings.Join(s, "; "))
			}
			return nil
		}},
	}}
}

// opsHandler serves the probes plus /progressz; nil reg: no /metrics.
func (p *process) opsHandler(reg prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", p.probes(reg).Handler())
	mux.HandleFunc("GET /progressz", p.progress().Readyz)
	return mux
}
