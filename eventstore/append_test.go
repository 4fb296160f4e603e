package eventstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/eventstore"
)

func TestAppendExpectations(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := uuid.New()

	res := appendN(t, b.store, id, eventstore.NoStream, 3)
	if res.Revision != 3 || len(res.Recorded) != 3 {
		t.Fatalf("first append: %+v", res)
	}
	for i, r := range res.Recorded {
		if r.Revision != int64(i+1) {
			t.Fatalf("recorded %d has revision %d", i, r.Revision)
		}
	}
	tests := []struct {
		name     string
		expected eventstore.ExpectedRevision
		wantErr  bool
		actual   int64
	}{
		{"no stream on existing", eventstore.NoStream, true, 3},
		{"stale exact", eventstore.Exactly(2), true, 3},
		{"future exact", eventstore.Exactly(7), true, 3},
		{"current exact", eventstore.Exactly(3), false, 0},
		{"any", eventstore.Any, false, 0},
	}
	for _, tt := range tests {
		_, err := b.store.Append(ctx, eventstore.AppendRequest{
			AggregateType: "thing", AggregateID: id, Expected: tt.expected,
			Events: []eventstore.NewEvent{newEvent("Thing", 0)},
		})
		if !tt.wantErr {
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			continue
		}
		var ce *eventstore.ConcurrencyError
		if !errors.Is(err, eventstore.ErrConcurrency) || !errors.As(err, &ce) || ce.Actual != tt.actual {
			t.Fatalf("%s: err = %v, want concurrency error with actual %d", tt.name, err, tt.actual)
		}
	}
	rev, err := b.store.StreamRevision(ctx, id)
	if err != nil || rev != 5 {
		t.Fatalf("revision = %d, %v; want 5", rev, err)
	}
	// Exactly on a stream that does not exist is a conflict, never a gap.
	_, err = b.store.Append(ctx, eventstore.AppendRequest{
		AggregateType: "thing", AggregateID: uuid.New(), Expected: eventstore.Exactly(4),
		Events: []eventstore.NewEvent{newEvent("Thing", 0)},
	})
	if !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("exact on missing stream: %v", err)
	}
	// Any creates a missing stream.
	if res := appendN(t, b.store, uuid.New(), eventstore.Any, 2); res.Revision != 2 {
		t.Fatalf("any on new stream: %+v", res)
	}
}

func TestAppendRefusesMalformedRequests(t *testing.T) {
	t.Parallel()
	b := setup(t)
	good := newEvent("Thing", 1)
	tests := []struct {
		name string
		req  eventstore.AppendRequest
	}{
		{"no events", eventstore.AppendRequest{AggregateType: "thing", AggregateID: uuid.New()}},
		{"nil id", eventstore.AppendRequest{AggregateType: "thing", Events: []eventstore.NewEvent{good}}},
		{"no type", eventstore.AppendRequest{AggregateID: uuid.New(), Events: []eventstore.NewEvent{good}}},
		{"bad json", eventstore.AppendRequest{AggregateType: "thing", AggregateID: uuid.New(),
			Events: []eventstore.NewEvent{{EventType: "Thing", SchemaVersion: 1, Data: json.RawMessage(`{"a":`)}}}},
		{"no version", eventstore.AppendRequest{AggregateType: "thing", AggregateID: uuid.New(),
			Events: []eventstore.NewEvent{{EventType: "Thing", Data: json.RawMessage(`{}`)}}}},
	}
	for _, tt := range tests {
		if _, err := b.store.Append(context.Background(), tt.req); !errors.Is(err, eventstore.ErrInvalidAppend) {
			t.Errorf("%s: err = %v, want ErrInvalidAppend", tt.name, err)
		}
	}
	var n int
	if err := b.pool.QueryRow(context.Background(), "SELECT count(*) FROM events").Scan(&n); err != nil || n != 0 {
		t.Fatalf("events stored: %d, %v", n, err)
	}
}

// 64 writers race for one stream with exact expectations. Every attempt either wins the
// next revision or gets the concurrency error; in the end the stream is 1..N without gaps
// and holds every winner's event exactly once.
func TestConcurrentAppendsToOneStream(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := uuid.New()
	const writers, perWriter = 64, 4
	var (
		mu        sync.Mutex
		conflicts int
		won       = map[uuid.UUID]bool{}
		wg        sync.WaitGroup
	)
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < perWriter; {
				rev, err := b.store.StreamRevision(ctx, id)
				if err != nil {
					errs <- err
					return
				}
				ev := newEvent("Thing", done)
				ev.EventID = uuid.Must(uuid.NewV7())
				_, err = b.store.Append(ctx, eventstore.AppendRequest{
					AggregateType: "thing", AggregateID: id, Expected: eventstore.Exactly(rev),
					Events: []eventstore.NewEvent{ev},
				})
				mu.Lock()
				switch {
				case err == nil:
					won[ev.EventID] = true
					done++
				case errors.Is(err, eventstore.ErrConcurrency):
					conflicts++
				default:
					mu.Unlock()
					errs <- err
					return
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("unexpected error (not a concurrency conflict): %v", err)
	}
	events, err := b.store.ReadStream(ctx, id, eventstore.StreamRange{})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != writers*perWriter {
		t.Fatalf("stream has %d events, want %d", len(events), writers*perWriter)
	}
	for i, e := range events {
		if e.Revision != int64(i+1) {
			t.Fatalf("event %d has revision %d: gap or duplicate", i, e.Revision)
		}
		if i > 0 && e.RecordedAt.Before(events[i-1].RecordedAt) {
			t.Fatalf("revision %d recorded at %s, before revision %d at %s", e.Revision, e.RecordedAt, e.Revision-1, events[i-1].RecordedAt)
		}
		if !won[e.EventID] {
			t.Fatalf("event %s in the stream was not reported as appended", e.EventID)
		}
		delete(won, e.EventID)
	}
	if len(won) != 0 {
		t.Fatalf("%d appended events are missing from the stream", len(won))
	}
	if conflicts == 0 {
		t.Fatal("64 racing writers produced no conflict: the race did not happen")
	}
	t.Logf("%d events, %d conflicts", len(events), conflicts)
}

// All writers expect the same revision at once: exactly one wins.
func TestConcurrentAppendsExactlyOneWinner(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := uuid.New()
	appendN(t, b.store, id, eventstore.NoStream, 1)
	const writers = 64
	results := make(chan error, writers)
	start := make(chan struct{})
	for w := 0; w < writers; w++ {
		go func() {
			<-start
			_, err := b.store.Append(context.Background(), eventstore.AppendRequest{
				AggregateType: "thing", AggregateID: id, Expected: eventstore.Exactly(1),
				Events: []eventstore.NewEvent{newEvent("Thing", 1)},
			})
			results <- err
		}()
	}
	close(start)
	wins, losses := 0, 0
	for w := 0; w < writers; w++ {
		switch err := <-results; {
		case err == nil:
			wins++
		case errors.Is(err, eventstore.ErrConcurrency):
			losses++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if wins != 1 || losses != writers-1 {
		t.Fatalf("wins=%d losses=%d", wins, losses)
	}
}

func TestBatchAppendAssignsConsecutiveRevisions(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := uuid.New()
	appendN(t, b.store, id, eventstore.NoStream, 100)
	res := appendN(t, b.store, id, eventstore.Exactly(100), 100)
	if res.Revision != 200 {
		t.Fatalf("revision %d", res.Revision)
	}
	prev := int64(0)
	for i, r := range res.Recorded {
		if r.Revision != int64(101+i) || r.GlobalPosition <= prev {
			t.Fatalf("recorded[%d] = %+v", i, r)
		}
		prev = r.GlobalPosition
	}
}

func TestWithinRollsBackEverything(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := uuid.New()
	boom := errors.New("boom")
	_, err := b.store.Append(ctx, eventstore.AppendRequest{
		AggregateType: "thing", AggregateID: id, Expected: eventstore.NoStream,
		Events: []eventstore.NewEvent{newEvent("Thing", 1)},
		Claims: []eventstore.Claim{{Kind: "email", Value: "x@example.com"}},
		Within: func(context.Context, pgx.Tx, []eventstore.Recorded) error { return boom },
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	var events, claims, streams int
	if err := b.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM unique_claims),
		(SELECT count(*) FROM streams)`).Scan(&events, &claims, &streams); err != nil {
		t.Fatal(err)
	}
	if events+claims+streams != 0 {
		t.Fatalf("left behind: events=%d claims=%d streams=%d", events, claims, streams)
	}
}
