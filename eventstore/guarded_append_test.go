package eventstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/recall-events/recall/eventstore"
)

// An append guarded on another stream's revision writes only while that stream is there;
// otherwise it stores nothing and says which guard failed, for every kind of expectation,
// alone (one statement) and with rows beside the events (a transaction).
func TestGuardedAppend(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	actor := uuid.New()
	appendN(t, b.store, actor, eventstore.NoStream, 2)
	existing := uuid.New()
	appendN(t, b.store, existing, eventstore.NoStream, 1)

	cases := []struct {
		name     string
		id       uuid.UUID
		expected eventstore.ExpectedRevision
		claims   []eventstore.Claim
	}{
		{"new stream", uuid.New(), eventstore.NoStream, nil},
		{"exact", existing, eventstore.Exactly(1), nil},
		{"any", existing, eventstore.Any, nil},
		{"new stream with a claim (transaction)", uuid.New(), eventstore.NoStream, []eventstore.Claim{{Kind: "k", Value: uuid.NewString()}}},
	}
	for _, c := range cases {
		before := revision(t, b.store, c.id)
		for _, g := range []eventstore.Guard{{AggregateID: actor, Revision: 1}, {AggregateID: uuid.New(), Revision: 1}} {
			_, err := b.store.Append(ctx, eventstore.AppendRequest{AggregateType: "thing", AggregateID: c.id,
				Expected: c.expected, Events: []eventstore.NewEvent{newEvent("Thing", 0)}, Claims: c.claims,
				Guards: []eventstore.Guard{g}})
			var ge *eventstore.GuardError
			if !errors.Is(err, eventstore.ErrGuard) || errors.Is(err, eventstore.ErrConcurrency) ||
				!errors.As(err, &ge) || ge.AggregateID != g.AggregateID {
				t.Fatalf("%s, guard %+v: err = %v, want a guard error", c.name, g, err)
			}
			if got := revision(t, b.store, c.id); got != before {
				t.Fatalf("%s: a refused append moved the stream from %d to %d", c.name, before, got)
			}
		}
		res, err := b.store.Append(ctx, eventstore.AppendRequest{AggregateType: "thing", AggregateID: c.id,
			Expected: c.expected, Events: []eventstore.NewEvent{newEvent("Thing", 0)}, Claims: c.claims,
			Guards: []eventstore.Guard{{AggregateID: actor, Revision: 2}}})
		if err != nil || res.Revision != before+1 {
			t.Fatalf("%s: guard held: %+v, %v", c.name, res, err)
		}
	}
	// A stream guarded on itself sees its revision before the append.
	res, err := b.store.Append(ctx, eventstore.AppendRequest{AggregateType: "thing", AggregateID: actor,
		Expected: eventstore.Exactly(2), Events: []eventstore.NewEvent{newEvent("Thing", 0)},
		Guards: []eventstore.Guard{{AggregateID: actor, Revision: 2}}})
	if err != nil || res.Revision != 3 {
		t.Fatalf("self guard: %+v, %v", res, err)
	}
	// A stale expectation with a guard that holds is a concurrency error, as before.
	_, err = b.store.Append(ctx, eventstore.AppendRequest{AggregateType: "thing", AggregateID: existing,
		Expected: eventstore.Exactly(1), Events: []eventstore.NewEvent{newEvent("Thing", 0)},
		Guards: []eventstore.Guard{{AggregateID: actor, Revision: 3}}})
	if !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("stale expectation under a holding guard: %v", err)
	}
}

func revision(t *testing.T, s *eventstore.Store, id uuid.UUID) int64 {
	t.Helper()
	rev, err := s.StreamRevision(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}
