package projector

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recall-events/recall/ops"
)

var errNotInGroups = errors.New("not in every consumer group yet")

// probes are the projector's /livez, /readyz and /metrics: ready when the database
// answers and every runner has joined its group.
func (p *process) probes(reg *prometheus.Registry) ops.Probes {
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
