package rebuild

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/readmodel/versions"
	"github.com/recall-events/recall/replayer/offsets"
)

// Reset rebuilds the live version of name in place, for small systems where a second copy
// is not worth it: it rewinds the version's group to the earliest offsets, then empties
// its tables; the projector, started again, rebuilds them from offset zero. It refuses
// while the group has members: stop the projector first. Queries see an empty or partial
// read model until the projector has caught up.
func (m *Manager) Reset(ctx context.Context, name string) (*offsets.Plan, error) {
	if _, err := lookup(name); err != nil {
		return nil, err
	}
	vs, err := versions.List(ctx, m.pool, name)
	if err != nil {
		return nil, err
	}
	var live *versions.Version
	for i := range vs {
		if vs[i].State == versions.Live {
			live = &vs[i]
		}
	}
	if live == nil {
		return nil, fmt.Errorf("%w: %s has no live version to reset", ErrState, name)
	}
	plan, err := m.admin.Plan(ctx, live.ConsumerGroup, offsets.Topics{live.Topic: nil}, offsets.Spec{Kind: offsets.ToEarliest})
	if err != nil {
		return nil, err
	}
	// Rewind first: if the truncate then failed, the projector would replay onto rows it
	// already has and skip them; the other order could leave an empty table that the
	// projector never refills (it would resume from its old offsets).
	if err := m.admin.Apply(ctx, plan); err != nil {
		return plan, err
	}
	err = pgx.BeginFunc(ctx, m.pool, func(tx pgx.Tx) error {
		for _, t := range live.Tables {
			if _, err := tx.Exec(ctx, "TRUNCATE "+pgx.Identifier{t}.Sanitize()); err != nil {
				return fmt.Errorf("rebuild: truncate %s: %w", t, err)
			}
		}
		return nil
	})
	return plan, err
}
