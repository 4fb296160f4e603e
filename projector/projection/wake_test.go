package projection_test

import (
	"context"
	"testing"
	"time"

	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/readmodel"
)

// A partition paused on a gap retries at once when dead letters of its
// projection are resolved, not at the end of its (here: 30 s) backoff.
func TestResolvedDeadLettersWakePausedPartition(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	cfg := b.usersConfig(t, 1)
	cfg.Backoff = projection.Backoff{Base: 30 * time.Second, Max: 30 * time.Second}
	id := stacktest.NewID()
	b.send(t, 0, stacktest.Created(id, "gus", "gus@example.com", "Gus", "G", "user"))
	start(t, cfg)
	eventually(t, 10*time.Second, "revision 1", func() bool { return b.revision(t, "users_v1", id) == 1 })
	// Revision 3 arrives before 2, which nothing dead-lettered: a gap, the partition pauses.
	b.send(t, 0, stacktest.RoleChanged(id, 3, "admin", "user"))
	time.Sleep(time.Second)
	// Revision 2 is applied out of band (as dlq retry does) and its dead letter resolved.
	h := cfg.Handler
	rec := b.Record(t, stacktest.Updated(id, 2, stacktest.Ptr("Gustav"), nil, nil))
	ev, err := b.decoder.Decode(context.Background(), rec.Value)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := h.Handle(context.Background(), []projection.Message{{Record: rec, Event: ev}}); n != 1 || err != nil {
		t.Fatalf("apply revision 2: %d %v", n, err)
	}
	ctx := context.Background()
	if err := readmodel.InsertDeadLetter(ctx, b.pool, readmodel.DeadLetter{Projection: cfg.Name, Topic: "t", Offset: 99,
		AggregateID: id, Revision: 2, Error: "x", Kind: readmodel.KindApply}); err != nil {
		t.Fatal(err)
	}
	ds, err := readmodel.ListDeadLetters(ctx, b.pool, readmodel.DeadLetterFilter{AggregateID: id})
	if err != nil || len(ds) != 1 {
		t.Fatalf("dead letters: %v %v", ds, err)
	}
	if n, err := readmodel.ResolveDeadLetters(ctx, b.pool, []int64{ds[0].ID}, readmodel.Retried, "test", ""); n != 1 || err != nil {
		t.Fatalf("resolve: %d %v", n, err)
	}
	eventually(t, 10*time.Second, "revision 3 after the wake-up", func() bool { return b.revision(t, "users_v1", id) == 3 })
}
