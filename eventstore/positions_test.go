package eventstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/eventstore"
)

func TestPositions(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	if end, err := b.store.SettledEnd(ctx, time.Second); err != nil || end != 0 {
		t.Fatalf("empty store: SettledEnd = %d, %v", end, err)
	}
	if pos, err := b.store.PositionAt(ctx, time.Now()); err != nil || pos != 1 {
		t.Fatalf("empty store: PositionAt = %d, %v", pos, err)
	}
	first := appendN(t, b.store, uuid.New(), eventstore.NoStream, 3)
	time.Sleep(10 * time.Millisecond)
	mid := time.Now()
	time.Sleep(10 * time.Millisecond)
	if _, err := b.store.Append(ctx, eventstore.AppendRequest{AggregateType: "other", AggregateID: uuid.New(),
		Expected: eventstore.NoStream, Events: []eventstore.NewEvent{newEvent("Other", 1), newEvent("Other", 2)}}); err != nil {
		t.Fatal(err)
	}
	end, err := b.store.SettledEnd(ctx, time.Second)
	if err != nil || end != first.Recorded[0].GlobalPosition+4 {
		t.Fatalf("SettledEnd = %d, %v", end, err)
	}
	if pos, err := b.store.PositionAt(ctx, mid); err != nil || pos != first.Recorded[2].GlobalPosition+1 {
		t.Fatalf("PositionAt(mid) = %d, %v", pos, err)
	}
	if pos, err := b.store.PositionAt(ctx, time.Now().Add(time.Hour)); err != nil || pos != end+1 {
		t.Fatalf("PositionAt(future) = %d, %v (want one past the newest)", pos, err)
	}
	counts, err := b.store.CountByType(ctx, 1, end, "")
	want := []eventstore.TypeCount{{AggregateType: "other", Events: 2}, {AggregateType: "thing", Events: 3}}
	if err != nil || !slices.Equal(counts, want) {
		t.Fatalf("CountByType = %v, %v; want %v", counts, err, want)
	}
	if counts, _ := b.store.CountByType(ctx, 1, end, "thing"); len(counts) != 1 || counts[0].Events != 3 {
		t.Fatalf("CountByType(thing) = %v", counts)
	}
	if pos, err := b.store.FirstPosition(ctx, 1, end, "other"); err != nil || pos != first.Recorded[2].GlobalPosition+1 {
		t.Fatalf("FirstPosition(other) = %d, %v", pos, err)
	}
	if pos, err := b.store.FirstPosition(ctx, end+1, end+10, ""); err != nil || pos != 0 {
		t.Fatalf("FirstPosition(empty range) = %d, %v", pos, err)
	}
	if lsn, err := b.store.WALPosition(ctx); err != nil || !strings.Contains(lsn, "/") {
		t.Fatalf("WALPosition = %q, %v", lsn, err)
	}
}

// SettledEnd waits for a transaction that drew a position but has not committed, and
// gives up after its timeout, saying why.
func TestSettledEndWaitsForOpenTransactions(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_current_xact_id()"); err != nil {
		t.Fatal(err)
	}
	_, err = b.store.SettledEnd(ctx, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "still open") {
		t.Fatalf("err = %v, want a timeout naming the open transaction", err)
	}
}
