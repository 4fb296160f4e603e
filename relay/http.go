package relay

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/recall-events/recall/ops"
)

// readiness is true while a session streams the slot: a standby is alive but not ready.
type readiness struct{ on atomic.Bool }

func (r *readiness) set(on bool) { r.on.Store(on) }

// probes are the relay's /livez, /readyz and /metrics: ready while streaming the slot.
func (r *relay) probes() ops.Probes {
	return ops.Probes{Gatherer: r.cfg.Registry, Logger: r.log, Checks: []ops.Check{
		{Name: "replication", Func: func(context.Context) error {
			if !r.ready.on.Load() {
				return errNotReady
			}
			return nil
		}},
	}}
}

// serveOps returns the run-group part serving h (the probes) on ln; nil ln (Listen
// empty) serves nothing.
func (r *relay) serveOps(ln net.Listener, h http.Handler) func(context.Context) error {
	return func(ctx context.Context) error {
		if ln == nil {
			<-ctx.Done()
			return nil
		}
		return ops.Serve(ctx, ln, h, ops.ServeOptions{Logger: r.log})
	}
}
