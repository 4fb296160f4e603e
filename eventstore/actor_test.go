package eventstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/eventstore/streamfile"
)

func appendAs(t *testing.T, s *eventstore.Store, id uuid.UUID, actor string, n int) {
	t.Helper()
	ev := newEvent("Thing", n)
	ev.Metadata.ActorID = actor
	if _, err := s.Append(context.Background(), eventstore.AppendRequest{AggregateType: "thing", AggregateID: id,
		Expected: eventstore.Any, Events: []eventstore.NewEvent{ev}}); err != nil {
		t.Fatal(err)
	}
}

func TestReadByActorPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	a, other := uuid.New(), uuid.New()
	for i := range 5 {
		appendAs(t, b.store, a, "alice", i)
		appendAs(t, b.store, other, "bob", i)
	}
	var got []int64
	before := int64(0)
	for page := 0; ; page++ {
		evs, err := b.store.ReadByActor(ctx, eventstore.ActorQuery{ActorID: "alice", Before: before, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if e.AggregateID != a {
				t.Fatalf("bob's event in alice's page: %+v", e)
			}
			got = append(got, e.GlobalPosition)
		}
		before = evs[len(evs)-1].GlobalPosition
		if page > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if len(got) != 5 {
		t.Fatalf("positions %v, want 5", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] >= got[i-1] {
			t.Fatalf("not newest first: %v", got)
		}
	}
	// The expression index serves the query (not a scan of every event).
	// A table this small is cheaper to scan: forbid that, as a big one would.
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, _ := tx.Query(ctx, `EXPLAIN SELECT global_position FROM events WHERE metadata->>'actor_id' = 'alice'
		ORDER BY global_position DESC LIMIT 2`)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if plan := strings.Join(lines, "\n"); !strings.Contains(plan, "events_actor_position") {
		t.Fatalf("plan does not use the actor index: %s", plan)
	}
}

func TestTotalsOf(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if got, err := b.store.TotalsOf(context.Background(), "thing"); err != nil || got != (eventstore.Totals{}) {
		t.Fatalf("empty store: %+v %v", got, err)
	}
	appendN(t, b.store, uuid.New(), eventstore.Any, 3)
	last := appendN(t, b.store, uuid.New(), eventstore.Any, 2)
	got, err := b.store.TotalsOf(context.Background(), "thing")
	if err != nil || got.Streams != 2 || got.Events != 5 || !got.Newest.Equal(last.Recorded[1].RecordedAt) {
		t.Fatalf("totals %+v %v", got, err)
	}
}

func TestExportStreamRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := uuid.New()
	first := appendN(t, b.store, id, eventstore.Any, 2)
	time.Sleep(5 * time.Millisecond)
	appendN(t, b.store, id, eventstore.Any, 1)

	f, err := b.store.ExportStream(ctx, id, time.Time{})
	if err != nil || len(f.Events) != 3 || f.AggregateType != "thing" || f.Until != nil {
		t.Fatalf("export %+v %v", f, err)
	}
	var buf bytes.Buffer
	if err := streamfile.Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	back, err := streamfile.Read(&buf)
	if err != nil || back.Events[2].Revision != 3 || compact(t, back.Events[0].Data) != compact(t, f.Events[0].Data) ||
		!back.Events[0].RecordedAt.Equal(first.Recorded[0].RecordedAt) {
		t.Fatalf("round trip %+v %v", back, err)
	}

	until := first.Recorded[1].RecordedAt
	part, err := b.store.ExportStream(ctx, id, until)
	if err != nil || len(part.Events) != 2 || part.Until == nil || !part.Until.Equal(until) {
		t.Fatalf("export until: %+v %v", part, err)
	}
	if _, err := b.store.ExportStream(ctx, uuid.New(), time.Time{}); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("missing stream: %v", err)
	}
}

func compact(t *testing.T, raw []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
