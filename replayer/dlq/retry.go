package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/readmodel"
)

// Group is the open dead letters of one aggregate in one projection, in
// revision order: the unit a retry applies.
type Group struct {
	Projection  string  `json:"projection"`
	AggregateID string  `json:"aggregate_id"`
	IDs         []int64 `json:"ids"`
	Revisions   []int64 `json:"revisions"`
}

// RetryPlan is what a retry would apply.
type RetryPlan struct {
	Groups []Group `json:"groups"`
	// Unsigned are the selected dead letters a retry never applies: their signature did
	// not verify (kind signature), so they may be forged. Discard them; a genuine record
	// comes back from the store (replayer republish).
	Unsigned []int64 `json:"unsigned,omitempty"`
}

// ErrUnsigned: a dead letter named by id failed its signature check; retry refuses it.
var ErrUnsigned = errors.New("dlq: dead letter failed its signature check (possibly forged): never retried; discard it")

// retryable reports whether a retry may apply d: anything but a record whose signature
// failed, which whoever can produce to the topic may have forged.
func retryable(d readmodel.DeadLetter) bool { return d.Kind != readmodel.KindSignature }

// PlanRetry widens s to every open dead letter of each aggregate it names:
// an aggregate's records only apply in revision order, all of them.
func (w *Works) PlanRetry(ctx context.Context, s Selection) (RetryPlan, error) {
	picked, err := w.selected(ctx, s)
	if err != nil {
		return RetryPlan{}, err
	}
	var plan RetryPlan
	seen := map[[2]string]bool{}
	for _, d := range picked {
		if !retryable(d) {
			if len(s.IDs) > 0 {
				return RetryPlan{}, fmt.Errorf("%w (dead letter %d)", ErrUnsigned, d.ID)
			}
			plan.Unsigned = append(plan.Unsigned, d.ID)
			continue
		}
		k := [2]string{d.Projection, d.AggregateID}
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, err := usersVersion(d.Projection); err != nil {
			return RetryPlan{}, fmt.Errorf("%w (dead letter %d; narrow the selection with --projection, or discard it)", err, d.ID)
		}
		g, err := w.group(ctx, d.Projection, d.AggregateID)
		if err != nil {
			return RetryPlan{}, err
		}
		plan.Groups = append(plan.Groups, g)
	}
	return plan, nil
}

func (w *Works) group(ctx context.Context, proj, aggregate string) (Group, error) {
	ds, err := readmodel.ListDeadLetters(ctx, w.pool, readmodel.DeadLetterFilter{Projection: proj, AggregateID: aggregate, OpenOnly: true})
	g := Group{Projection: proj, AggregateID: aggregate}
	for _, d := range ds {
		if retryable(d) {
			g.IDs, g.Revisions = append(g.IDs, d.ID), append(g.Revisions, d.Revision)
		}
	}
	return g, err
}

// Outcome is what a retry did with one dead letter.
type Outcome struct {
	ID          int64  `json:"id"`
	Projection  string `json:"projection"`
	AggregateID string `json:"aggregate_id"`
	Revision    int64  `json:"revision"`
	Result      string `json:"result"` // applied, already applied, failed, not tried
	Error       string `json:"error,omitempty"`
}

// Outcomes of one retried dead letter.
const (
	Applied        = "applied"
	AlreadyApplied = "already applied"
	FailedAgain    = "failed"
	NotTried       = "not tried"
)

// Retry applies each group of plan through its projection's Handler. It
// returns an error only when the database or the plan fails; a dead letter
// that fails again is an Outcome.
func (w *Works) Retry(ctx context.Context, plan RetryPlan, actor string) ([]Outcome, error) {
	var out []Outcome
	for _, g := range plan.Groups {
		res, err := w.retryGroup(ctx, g, actor)
		out = append(out, res...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// retryGroup reads the aggregate's open dead letters again (the projector may
// have added later revisions since the plan) and applies them.
func (w *Works) retryGroup(ctx context.Context, g Group, actor string) ([]Outcome, error) {
	h, err := w.handler(g.Projection)
	if err != nil {
		return nil, err
	}
	all, err := readmodel.ListDeadLetters(ctx, w.pool, readmodel.DeadLetterFilter{Projection: g.Projection, AggregateID: g.AggregateID, OpenOnly: true})
	if err != nil {
		return nil, err
	}
	ds := slices.DeleteFunc(all, func(d readmodel.DeadLetter) bool { return !retryable(d) })
	if len(ds) == 0 {
		return nil, nil
	}
	msgs, decodeErr := w.messages(ctx, ds)
	n, applyErr := 0, error(nil)
	if len(msgs) > 0 {
		n, applyErr = h.Handle(ctx, msgs)
		n = min(max(n, 0), len(msgs))
	}
	if applyErr == nil && n < len(ds) {
		applyErr = decodeErr
		if n < len(msgs) {
			applyErr = fmt.Errorf("projection stopped at revision %d", msgs[n].Event.Revision)
		}
	}
	out := make([]Outcome, len(ds))
	var done []int64
	for i, d := range ds {
		out[i] = Outcome{ID: d.ID, Projection: d.Projection, AggregateID: d.AggregateID, Revision: d.Revision, Result: NotTried}
		switch {
		case i < n && msgs[i].Skipped:
			out[i].Result = AlreadyApplied
			done = append(done, d.ID)
		case i < n:
			out[i].Result = Applied
			done = append(done, d.ID)
		case i == n && applyErr != nil:
			out[i].Result, out[i].Error = FailedAgain, applyErr.Error()
			if err := readmodel.FailedAgain(ctx, w.pool, d.ID, applyErr.Error()); err != nil {
				return out, err
			}
		}
	}
	if len(done) > 0 {
		if _, err := readmodel.ResolveDeadLetters(ctx, w.pool, done, readmodel.Retried, actor, "retried"); err != nil {
			return out, err
		}
	}
	return out, nil
}

// messages decodes ds until the first that fails; the error says why.
func (w *Works) messages(ctx context.Context, ds []readmodel.DeadLetter) ([]projection.Message, error) {
	if w.decoder == nil {
		return nil, fmt.Errorf("dlq: no schema registry to decode with")
	}
	msgs := make([]projection.Message, 0, len(ds))
	for _, d := range ds {
		ev, err := w.decoder.Decode(ctx, d.Value)
		if err != nil {
			return msgs, fmt.Errorf("decode: %w", err)
		}
		// As the projector checks every record: the key the topic partitioned by is the
		// aggregate the event claims, or the record is not what it says.
		if string(d.Key) != ev.AggregateID {
			return msgs, fmt.Errorf("record key %q is not the aggregate id %q", d.Key, ev.AggregateID)
		}
		rec := &kgo.Record{Topic: d.Topic, Partition: d.Partition, Offset: d.Offset, Key: d.Key, Value: d.Value}
		msgs = append(msgs, projection.Message{Record: rec, Event: ev})
	}
	return msgs, nil
}
