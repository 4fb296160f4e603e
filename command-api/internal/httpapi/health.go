package httpapi

import (
	"context"
	"errors"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/recall-events/recall/ops"
)

var errDraining = errors.New("shutting down")

// probes are /livez, /readyz and /metrics in the shape every Recall process answers.
// Ready means: send traffic here. Not once shutdown has begun (the load balancer must
// stop first), nor while the database is unreachable.
func (s *server) probes(g prometheus.Gatherer) ops.Probes {
	return ops.Probes{Gatherer: g, Logger: s.log, Checks: []ops.Check{
		{Name: "serving", Func: func(context.Context) error {
			if s.draining != nil && s.draining() {
				return errDraining
			}
			return nil
		}},
		{Name: "database", Func: func(ctx context.Context) error { return s.svc.Store().Pool().Ping(ctx) }},
	}}
}

func (s *server) probeRoutes(r *gin.Engine, g prometheus.Gatherer) {
	p := s.probes(g)
	r.GET("/livez", gin.WrapF(p.Livez))
	r.GET("/readyz", gin.WrapF(p.Readyz))
	if g != nil {
		r.GET("/metrics", gin.WrapH(p.Metrics()))
	}
}
