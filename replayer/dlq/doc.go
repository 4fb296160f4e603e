// Package dlq works the projections' dead letters (projector_dead_letters):
// list them, show one decoded, retry an aggregate's dead letters through the
// projection's own apply path, or discard them.
//
// A retry never applies one record alone: it takes every open dead letter of
// the aggregate, in revision order, decodes each through the registry and hands
// them to the projection's Handler, the code the projector runs, so the same
// rules hold (one transaction, a revision applies only on top of the one
// before, a revision already applied is skipped). What applied or was skipped
// is marked retried; the first that fails again keeps its row with one more
// attempt, and those after it are not tried. Resolving notifies the projector,
// which retries any partition it paused on that aggregate's gap at once.
//
//	w := dlq.New(pool, decoder)
//	plan, err := w.PlanRetry(ctx, dlq.Selection{AggregateID: id})
//	res, err := w.Retry(ctx, plan, "alice")
package dlq
