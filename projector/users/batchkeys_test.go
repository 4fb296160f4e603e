package users_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
)

// countingDB counts the keyring's statements.
type countingDB struct {
	*pgxpool.Pool
	queries atomic.Int64
}

func (c *countingDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.queries.Add(1)
	return c.Pool.Query(ctx, sql, args...)
}

func (c *countingDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	c.queries.Add(1)
	return c.Pool.QueryRow(ctx, sql, args...)
}

// A batch reads its people's keys in one statement and keeps the answer for its events,
// instead of asking the keyring again for each event. With the keyring's cache off every
// ask reaches the database, so the statements counted are the asks (it took one per
// sealed event, plus the prefetch).
func TestABatchReadsItsKeysInOneStatement(t *testing.T) {
	ctx := context.Background()
	b := setup(t)
	b.withKeys(t, 1)
	seal := stacktest.NewSealer(t, stacktest.Keys(t, b.url, b.pool), b.pool)
	kek := stacktest.ParsedKEK(t)
	db := &countingDB{Pool: b.pool}
	p, err := users.New(b.pool, 1, subjectkeys.New(db, kek, subjectkeys.Options{CacheTTL: -1}))
	if err != nil {
		t.Fatal(err)
	}
	b.proj[1] = p

	const people, updates = 3, 6
	var evs []schemas.Event
	ids := make([]string, people)
	for i := range ids {
		ids[i] = stacktest.NewID()
		evs = append(evs, seal.Event(ids[i], 1, "UserCreated", map[string]string{"username": "sheik" + ids[i][:8],
			"email": ids[i][:8] + "@sheikah.example", "first_name": "Sheik", "last_name": "Sheikah", "role": "user"}))
		for r := range updates {
			evs = append(evs, seal.Event(ids[i], int64(r+2), "UserUpdated", map[string]*string{
				"first_name": stacktest.Ptr("Sheik" + string(rune('A'+r))), "last_name": nil, "email": nil}))
		}
	}
	b.apply(t, 1, evs...)

	if got, want := db.queries.Load(), int64(1); got != want {
		t.Fatalf("the keyring ran %d statements for %d people's %d sealed events, want %d", got, people, len(evs), want)
	}
	store := readmodel.New(b.pool)
	defer store.Close()
	for _, id := range ids {
		if u, err := store.Get(ctx, id); err != nil || u.FirstName != "SheikF" || u.LastName != "Sheikah" {
			t.Fatalf("%s: %+v, %v", id, u, err)
		}
	}
}
