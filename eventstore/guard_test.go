package eventstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/recall-events/recall/eventstore"
)

func TestEventsAreImmutable(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	appendN(t, b.store, uuid.New(), eventstore.NoStream, 2)
	for _, sql := range []string{
		`UPDATE events SET event_type = 'Forged'`,
		`DELETE FROM events`,
		`TRUNCATE events`,
	} {
		_, err := b.pool.Exec(ctx, sql)
		if !eventstore.IsImmutableViolation(err) {
			t.Errorf("%s: err = %v, want the immutability trigger", sql, err)
		}
	}
	var n int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE event_type = 'Thing'`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("events after refused changes: %d, %v", n, err)
	}
}

func TestAPIRoleMayOnlyInsertAndSelectEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	appendN(t, b.store, uuid.New(), eventstore.NoStream, 1)
	asAPI := func(sql string) error {
		return pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL ROLE recall_api"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, sql)
			return err
		})
	}
	if err := asAPI(`SELECT count(*) FROM events`); err != nil {
		t.Fatalf("select as recall_api: %v", err)
	}
	if err := asAPI(`INSERT INTO events (event_id, aggregate_type, aggregate_id, revision, event_type, schema_version, data, metadata)
		VALUES (gen_random_uuid(), 'thing', gen_random_uuid(), 1, 'Thing', 1, '{}', '{}')`); err != nil {
		t.Fatalf("insert as recall_api: %v", err)
	}
	for _, sql := range []string{`UPDATE events SET event_type = 'Forged'`, `DELETE FROM events`, `TRUNCATE events`} {
		err := asAPI(sql)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" {
			t.Errorf("%s as recall_api: err = %v, want permission denied (42501)", sql, err)
		}
	}
}

// 32 streams claim the same email at once: exactly one wins, the others learn which
// claim was taken, and none of the losers' events is stored.
func TestUniqueClaimUnderConcurrency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const claimers = 32
	claim := eventstore.Claim{Kind: "email", Value: "ada@example.com"}
	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make(chan error, claimers)
	for i := 0; i < claimers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := b.store.Append(ctx, eventstore.AppendRequest{
				AggregateType: "thing", AggregateID: uuid.New(), Expected: eventstore.NoStream,
				Events: []eventstore.NewEvent{newEvent("Thing", 0)},
				Claims: []eventstore.Claim{claim, {Kind: "username", Value: uuid.NewString()}},
			})
			results <- err
		}()
	}
	close(start)
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		var ce *eventstore.ClaimError
		switch {
		case err == nil:
			wins++
		case errors.As(err, &ce) && errors.Is(err, eventstore.ErrClaimTaken):
			if len(ce.Claims) != 1 || ce.Claims[0] != claim {
				t.Errorf("claim error names %v, want only %v", ce.Claims, claim)
			}
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d claimers won", wins)
	}
	var events, claims int
	if err := b.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM unique_claims)`).Scan(&events, &claims); err != nil {
		t.Fatal(err)
	}
	if events != 1 || claims != 2 {
		t.Fatalf("events=%d claims=%d, want 1 and 2", events, claims)
	}
}

func TestClaimReleaseAndRetake(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	email := eventstore.Claim{Kind: "email", Value: "grace@example.com"}
	owner, other := uuid.New(), uuid.New()
	appendWith := func(id uuid.UUID, exp eventstore.ExpectedRevision, claims, releases []eventstore.Claim) error {
		_, err := b.store.Append(ctx, eventstore.AppendRequest{
			AggregateType: "thing", AggregateID: id, Expected: exp,
			Events: []eventstore.NewEvent{newEvent("Thing", 0)}, Claims: claims, Releases: releases,
		})
		return err
	}
	if err := appendWith(owner, eventstore.NoStream, []eventstore.Claim{email}, nil); err != nil {
		t.Fatal(err)
	}
	// The holder may claim its own value again (a restore, an unchanged email).
	if err := appendWith(owner, eventstore.Exactly(1), []eventstore.Claim{email}, nil); err != nil {
		t.Fatalf("re-claim by holder: %v", err)
	}
	if err := appendWith(other, eventstore.NoStream, []eventstore.Claim{email}, nil); !errors.Is(err, eventstore.ErrClaimTaken) {
		t.Fatalf("claim by other: %v", err)
	}
	// Another stream cannot release what it does not hold.
	if err := appendWith(other, eventstore.Any, nil, []eventstore.Claim{email}); err != nil {
		t.Fatal(err)
	}
	if err := appendWith(uuid.New(), eventstore.NoStream, []eventstore.Claim{email}, nil); !errors.Is(err, eventstore.ErrClaimTaken) {
		t.Fatalf("release by non-holder freed the value: %v", err)
	}
	if err := appendWith(owner, eventstore.Exactly(2), nil, []eventstore.Claim{email}); err != nil {
		t.Fatal(err)
	}
	if err := appendWith(other, eventstore.Exactly(1), []eventstore.Claim{email}, nil); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	// The old holder now loses: the restore case (409).
	err := appendWith(owner, eventstore.Exactly(3), []eventstore.Claim{email}, nil)
	if !errors.Is(err, eventstore.ErrClaimTaken) {
		t.Fatalf("re-claim after another took it: %v", err)
	}
}
