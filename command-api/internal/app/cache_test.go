package app_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/command-api/internal/app"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
)

// Two processes on one database: each decides on its own cached state. A stale cache must
// never produce a wrong answer: an append on it conflicts and is decided again, and a
// no-op decided on it is checked against the store before it is answered.
func TestStaleCacheNeverDecides(t *testing.T) {
	ctx := context.Background()
	a := newService(t, app.Options{})
	pool, err := pgxpool.New(ctx, a.Store().Pool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	b, err := app.NewService(eventstore.New(pool), app.Options{Hasher: credentials.NewHasher(credentials.Params{MemoryKiB: 8192, Time: 1, Threads: 1})})
	if err != nil {
		t.Fatal(err)
	}
	id := uuid.New()
	if _, err := a.Handlers().CreateUser.Handle(ctx, create(id)); err != nil {
		t.Fatal(err)
	}
	name := func(s string) *string { return &s }
	update := func(svc *app.Service, first string) app.Result {
		t.Helper()
		res, err := svc.Handlers().UpdateUser.Handle(ctx, app.UpdateUser{
			Envelope: app.Envelope{UserID: id, Actor: system}, Fields: user.UpdateUser{FirstName: name(first)}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if r := update(a, "Xena"); r.Revision != 2 { // a caches revision 2
		t.Fatalf("a: revision %d", r.Revision)
	}
	if r := update(b, "Bob"); r.Revision != 3 { // the store moves on without a
		t.Fatalf("b: revision %d", r.Revision)
	}
	// On a's stale cache "Xena" is already the name: a no-op there, a change in truth.
	if r := update(a, "Xena"); r.Revision != 4 || !r.Changed {
		t.Fatalf("a no-op decided on a stale cache: %+v", r)
	}
	if r := update(b, "Ada"); r.Revision != 5 {
		t.Fatalf("b: revision %d", r.Revision)
	}
	// A change decided on a's stale cache (revision 4) conflicts and is decided again.
	if r := update(a, "Grace"); r.Revision != 6 || !r.Changed {
		t.Fatalf("a change on a stale cache: %+v", r)
	}
	events, err := a.Store().ReadStream(ctx, id, eventstore.StreamRange{})
	if err != nil || len(events) != 6 {
		t.Fatalf("%d events, %v", len(events), err)
	}
}
