package eventstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/eventstore"
)

func idem(key, fingerprint string, ttl time.Duration) *eventstore.Idempotency {
	return &eventstore.Idempotency{
		Scope: "POST /things", Key: key, Fingerprint: []byte(fingerprint), TTL: ttl,
		Response: func(rec []eventstore.Recorded) ([]byte, error) {
			return []byte(fmt.Sprintf(`{"revision":%d}`, rec[len(rec)-1].Revision)), nil
		},
	}
}

func TestIdempotencySemantics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := uuid.New()
	req := func(i *eventstore.Idempotency) error {
		_, err := b.store.Append(ctx, eventstore.AppendRequest{
			AggregateType: "thing", AggregateID: id, Expected: eventstore.Any,
			Events: []eventstore.NewEvent{newEvent("Thing", 0)}, Idempotency: i,
		})
		return err
	}
	if err := req(idem("k1", "body-a", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := req(idem("k1", "body-a", time.Hour)); !errors.Is(err, eventstore.ErrIdempotencyReplay) {
		t.Fatalf("retry: %v", err)
	}
	if err := req(idem("k1", "body-b", time.Hour)); !errors.Is(err, eventstore.ErrIdempotencyMismatch) {
		t.Fatalf("reuse with another body: %v", err)
	}
	resp, found, err := b.store.LookupIdempotency(ctx, "POST /things", "k1", []byte("body-a"))
	if err != nil || !found || string(resp) != `{"revision":1}` {
		t.Fatalf("lookup: %q %v %v", resp, found, err)
	}
	if _, _, err := b.store.LookupIdempotency(ctx, "POST /things", "k1", []byte("body-b")); !errors.Is(err, eventstore.ErrIdempotencyMismatch) {
		t.Fatalf("lookup with other body: %v", err)
	}
	if _, found, _ := b.store.LookupIdempotency(ctx, "POST /other", "k1", []byte("body-a")); found {
		t.Fatal("keys leak across scopes")
	}
	rev, _ := b.store.StreamRevision(ctx, id)
	if rev != 1 {
		t.Fatalf("replays appended: revision %d", rev)
	}
	// An expired key is free again, and purge removes expired records.
	if err := req(idem("short", "x", time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if _, found, _ := b.store.LookupIdempotency(ctx, "POST /things", "short", []byte("x")); found {
		t.Fatal("expired record still answers")
	}
	if err := req(idem("short", "y", time.Millisecond)); err != nil {
		t.Fatalf("reuse after expiry: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	if n, err := b.store.PurgeIdempotency(ctx, 0); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
}

// Concurrent retries of one request append once; every other attempt is told to replay.
func TestIdempotencyUnderConcurrentRetries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := uuid.New()
	const retries = 16
	var wg sync.WaitGroup
	errs := make(chan error, retries)
	for i := 0; i < retries; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.store.Append(ctx, eventstore.AppendRequest{
				AggregateType: "thing", AggregateID: id, Expected: eventstore.Any,
				Events: []eventstore.NewEvent{newEvent("Thing", 0)}, Idempotency: idem("same", "body", time.Hour),
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, eventstore.ErrIdempotencyReplay):
			t.Fatalf("unexpected: %v", err)
		}
	}
	if rev, _ := b.store.StreamRevision(ctx, id); ok != 1 || rev != 1 {
		t.Fatalf("ok=%d revision=%d", ok, rev)
	}
}

// Purging deletes expired records in batches of at most the limit, never a live one.
func TestPurgeIdempotencyIsBounded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const expired = 7
	for i := range expired + 2 {
		ttl := time.Millisecond
		if i >= expired {
			ttl = time.Hour
		}
		_, err := b.store.Append(ctx, eventstore.AppendRequest{
			AggregateType: "thing", AggregateID: uuid.New(), Expected: eventstore.Any,
			Events: []eventstore.NewEvent{newEvent("Thing", 0)}, Idempotency: idem(fmt.Sprint("k", i), "body", ttl),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(20 * time.Millisecond)
	var got []int64
	for {
		n, err := b.store.PurgeIdempotency(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
		if n < 3 {
			break
		}
	}
	if fmt.Sprint(got) != "[3 3 1]" {
		t.Fatalf("batches %v, want [3 3 1]", got)
	}
	for i := expired; i < expired+2; i++ {
		if _, found, err := b.store.LookupIdempotency(ctx, "POST /things", fmt.Sprint("k", i), []byte("body")); err != nil || !found {
			t.Fatalf("live record k%d purged: %v %v", i, found, err)
		}
	}
}

// A request that appended nothing still records its key: a retry replays, another
// request with the key is refused.
func TestRecordIdempotency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if err := b.store.RecordIdempotency(ctx, idem("noop", "body-a", time.Hour), []byte(`{"revision":4}`)); err != nil {
		t.Fatal(err)
	}
	resp, found, err := b.store.LookupIdempotency(ctx, "POST /things", "noop", []byte("body-a"))
	if err != nil || !found || string(resp) != `{"revision":4}` {
		t.Fatalf("lookup: %q %v %v", resp, found, err)
	}
	if err := b.store.RecordIdempotency(ctx, idem("noop", "body-a", time.Hour), []byte(`{"revision":5}`)); !errors.Is(err, eventstore.ErrIdempotencyReplay) {
		t.Fatalf("record again: %v, want replay", err)
	}
	if err := b.store.RecordIdempotency(ctx, idem("noop", "body-b", time.Hour), []byte(`{}`)); !errors.Is(err, eventstore.ErrIdempotencyMismatch) {
		t.Fatalf("record with another body: %v, want mismatch", err)
	}
	_, err = b.store.Append(ctx, eventstore.AppendRequest{
		AggregateType: "thing", AggregateID: uuid.New(), Expected: eventstore.Any,
		Events: []eventstore.NewEvent{newEvent("Thing", 0)}, Idempotency: idem("noop", "body-b", time.Hour),
	})
	if !errors.Is(err, eventstore.ErrIdempotencyMismatch) {
		t.Fatalf("append with the key of a recorded no-op: %v, want mismatch", err)
	}
	if resp, _, _ := b.store.LookupIdempotency(ctx, "POST /things", "noop", []byte("body-a")); string(resp) != `{"revision":4}` {
		t.Fatalf("stored response changed: %q", resp)
	}
}
