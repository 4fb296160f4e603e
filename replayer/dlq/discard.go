package dlq

import (
	"context"
	"errors"
	"fmt"

	"github.com/recall-events/recall/readmodel"
)

// ErrDependedOn: a dead letter to discard has later open revisions of the
// same aggregate that can never apply without it.
var ErrDependedOn = errors.New("dlq: later revisions of the aggregate depend on it")

// DiscardPlan is what a discard would mark.
type DiscardPlan struct {
	IDs []int64 `json:"ids"`
	// DependedOn are selected dead letters with later open revisions of the
	// same aggregate left out of the selection (refused without force).
	DependedOn []int64 `json:"depended_on,omitempty"`
}

// PlanDiscard returns the dead letters s names and which of them later
// revisions depend on. With force the dependency is not an error.
func (w *Works) PlanDiscard(ctx context.Context, s Selection, force bool) (DiscardPlan, error) {
	picked, err := w.selected(ctx, s)
	if err != nil {
		return DiscardPlan{}, err
	}
	var plan DiscardPlan
	in := map[int64]bool{}
	for _, d := range picked {
		in[d.ID] = true
		plan.IDs = append(plan.IDs, d.ID)
	}
	for _, d := range picked {
		later, err := readmodel.ListDeadLetters(ctx, w.pool, readmodel.DeadLetterFilter{Projection: d.Projection, AggregateID: d.AggregateID, OpenOnly: true})
		if err != nil {
			return plan, err
		}
		for _, l := range later {
			if l.Revision > d.Revision && !in[l.ID] {
				plan.DependedOn = append(plan.DependedOn, d.ID)
				break
			}
		}
	}
	if len(plan.DependedOn) > 0 && !force {
		return plan, fmt.Errorf("%w: %v (retry them, discard the later ones too, or pass --force)", ErrDependedOn, plan.DependedOn)
	}
	return plan, nil
}

// Discard marks plan's dead letters resolved without applying them.
func (w *Works) Discard(ctx context.Context, plan DiscardPlan, actor, reason string) (int64, error) {
	return readmodel.ResolveDeadLetters(ctx, w.pool, plan.IDs, readmodel.Discarded, actor, reason)
}
