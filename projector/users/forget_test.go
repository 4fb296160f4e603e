package users_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
	"github.com/recall-events/recall/schemas"
)

// A forgotten person leaves a tombstone in every read-model version: the one applying
// UserForgotten, a retired one that no longer runs, and a version rebuilt from the first
// event afterwards (its key is gone, so the old events fold as erased: no special case).
func TestForgottenInEveryVersionAndAfterARebuild(t *testing.T) {
	ctx := context.Background()
	b := setup(t)
	keys := b.withKeys(t, 1, 2)
	seal := stacktest.NewSealer(t, keys, b.pool)

	id, other := stacktest.NewID(), stacktest.NewID()
	created := seal.Event(id, 1, "UserCreated", map[string]string{"username": "zelda", "email": "zelda@hyrule.example",
		"first_name": "Zeldarine", "last_name": "Hyrulean", "role": "user"})
	updated := seal.Event(id, 2, "UserUpdated", map[string]*string{"first_name": nil, "last_name": stacktest.Ptr("Hyruleanne"), "email": nil})
	kept := seal.Event(other, 1, "UserCreated", map[string]string{"username": "link", "email": "link@hyrule.example",
		"first_name": "Link", "last_name": "Hero", "role": "user"})
	for _, v := range []int{1, 2} {
		b.apply(t, v, created, updated, kept)
	}
	store := readmodel.New(b.pool)
	defer store.Close()
	if u, err := store.Get(ctx, id); err != nil || u.LastName != "Hyruleanne" || u.Email != "zelda@hyrule.example" {
		t.Fatalf("opened row %+v, %v", u, err)
	}

	// Version 2 is not running (retired, say); version 1 applies the erasure and scrubs
	// version 2's row in the same transaction.
	forgotten := seal.Forget(id, 3, "ticket 7")
	b.apply(t, 1, forgotten)
	for _, v := range []int{1, 2} {
		var status, username, email, first, last string
		err := b.pool.QueryRow(ctx, `SELECT status, username, email, first_name, last_name FROM `+readmodel.UsersTable(v)+` WHERE id = $1`, id).
			Scan(&status, &username, &email, &first, &last)
		if err != nil || status != readmodel.StatusForgotten || username+email+first+last != "" {
			t.Fatalf("users_v%d: %s %q %q %q %q, %v", v, status, username, email, first, last, err)
		}
	}
	if u, err := store.Get(ctx, id); err != nil || u.Status != readmodel.StatusForgotten {
		t.Fatalf("Get %+v, %v", u, err)
	}
	page, err := store.List(ctx, readmodel.ListParams{})
	if err != nil || len(page.Users) != 1 || page.Users[0].ID != other {
		t.Fatalf("list shows %+v, %v", page.Users, err)
	}

	// A rebuild of version 2 from offset zero: its table emptied, the whole history
	// applied again. The key is gone, so the sealed UserCreated folds as erased.
	if _, err := b.pool.Exec(ctx, `TRUNCATE users_v2`); err != nil {
		t.Fatal(err)
	}
	b.apply(t, 2, created, updated, kept, forgotten)
	var status, username, last string
	if err := b.pool.QueryRow(ctx, `SELECT status, username, last_name FROM users_v2 WHERE id = $1`, id).Scan(&status, &username, &last); err != nil ||
		status != readmodel.StatusForgotten || username != "" || last != "" {
		t.Fatalf("rebuilt row %s %q %q, %v", status, username, last, err)
	}
	var otherFirst string
	if err := b.pool.QueryRow(ctx, `SELECT first_name FROM users_v2 WHERE id = $1`, other).Scan(&otherFirst); err != nil || otherFirst != "Link" {
		t.Fatalf("the other person rebuilt as %q, %v", otherFirst, err)
	}

	pgtest.NoPlaintext(t, "the database after the erasure", pgtest.Dump(t, b.url), []string{"zelda", "Zeldarine", "Hyrulean"})
}

// withKeys adds projections of versions vs that open sealed fields, and returns their
// keyring.
func (b *bundle) withKeys(t *testing.T, vs ...int) *subjectkeys.Keyring {
	t.Helper()
	ctx := context.Background()
	keys := stacktest.Keys(t, b.url, b.pool)
	for _, v := range vs {
		if err := readmodel.SetupUsers(ctx, b.pool, v); err != nil {
			t.Fatal(err)
		}
		if err := versions.Ensure(ctx, b.pool, versions.For(users.Name, v, stacktest.Topic, readmodel.UsersTable(v))); err != nil {
			t.Fatal(err)
		}
		p, err := users.New(b.pool, v, keys)
		if err != nil {
			t.Fatal(err)
		}
		b.proj[v] = p
	}
	return keys
}

// Logical decoding can hand a transaction to the relay, and so to Kafka and the
// projector, a moment before it is visible to other sessions. A projector that read the
// key of a brand-new person in that moment found no row, took the person for forgotten
// and wrote their row with every UserCreated field empty, for good (seen as a read model
// differing from its rebuild in the fault test). A missing key is now a transient error:
// the batch is retried and the row is written whole once the key is visible.
func TestKeyNotVisibleYetIsRetriedNotErased(t *testing.T) {
	ctx := context.Background()
	b := setup(t)
	stacktest.Keys(t, b.url, b.pool) // migrations
	kek := stacktest.ParsedKEK(t)
	keys := subjectkeys.New(b.pool, kek, subjectkeys.Options{}) // caching, as in production
	if err := readmodel.SetupUsers(ctx, b.pool, 1); err != nil {
		t.Fatal(err)
	}
	if err := versions.Ensure(ctx, b.pool, versions.For(users.Name, 1, stacktest.Topic, readmodel.UsersTable(1))); err != nil {
		t.Fatal(err)
	}
	p, err := users.New(b.pool, 1, keys)
	if err != nil {
		t.Fatal(err)
	}

	// The event is sealed with a key whose row is not visible yet (not inserted yet).
	id := stacktest.NewID()
	key, err := subjectkeys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	dk, err := schemas.NewDataKey(key.ID, key.Raw)
	if err != nil {
		t.Fatal(err)
	}
	created := stacktest.Event(id, 1, "UserCreated", map[string]string{"username": "ada", "email": "ada@example.org",
		"first_name": "Ada", "last_name": "Lovelace", "role": "user"}, schemas.CurrentVersion("UserCreated"))
	if created.Data, err = schemas.SealData(dk, created.AggregateType, id, "UserCreated", created.SchemaVersion, created.Data); err != nil {
		t.Fatal(err)
	}
	msgs := []projection.Message{{Event: created}}
	n, err := p.Handle(ctx, msgs)
	if !errors.Is(err, subjectkeys.ErrNotVisible) || projection.Classify(err) != projection.Transient || n != 0 {
		t.Fatalf("Handle before the key is visible = %d, %v (class %v); want 0, a transient ErrNotVisible", n, err, projection.Classify(err))
	}
	if _, err := readmodel.New(b.pool).Get(ctx, id); err == nil {
		t.Fatal("a row was written for a person whose key was not visible")
	}

	// The key's transaction becomes visible; the retry writes the row whole.
	if err := keys.Insert(ctx, b.pool, uuid.MustParse(id), key); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Handle(ctx, []projection.Message{{Event: created}}); err != nil || n != 1 {
		t.Fatalf("Handle once the key is visible = %d, %v", n, err)
	}
	u, err := readmodel.New(b.pool).Get(ctx, id)
	if err != nil || u.Username != "ada" || u.Email != "ada@example.org" || u.LastName != "Lovelace" {
		t.Fatalf("row %+v, %v", u, err)
	}
}

// Version 1 applies UserForgotten and scrubs version 2's row before version 2, running
// in another process whose keyring still caches the person's key, has reached the
// events before the forget. Those events must not bring personal data back into the
// tombstone, not even until version 2 reaches the forget itself (found by an outside
// review: a UserUpdated wrote the opened name into the scrubbed row).
func TestAScrubbedRowStaysATombstone(t *testing.T) {
	ctx := context.Background()
	b := setup(t)
	b.withKeys(t, 1)
	seal := stacktest.NewSealer(t, stacktest.Keys(t, b.url, b.pool), b.pool)
	kek := stacktest.ParsedKEK(t)
	if err := readmodel.SetupUsers(ctx, b.pool, 2); err != nil {
		t.Fatal(err)
	}
	// Version 2's own process: a keyring that caches (the default lifetime).
	v2, err := users.New(b.pool, 2, subjectkeys.New(b.pool, kek, subjectkeys.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	b.proj[2] = v2

	id := stacktest.NewID()
	created := seal.Event(id, 1, "UserCreated", map[string]string{"username": "zelda", "email": "zelda@hyrule.example",
		"first_name": "Zeldarine", "last_name": "Hyrulean", "role": "user"})
	updated := seal.Event(id, 2, "UserUpdated", map[string]*string{"first_name": nil, "last_name": stacktest.Ptr("Hyruleanne"), "email": nil})
	deleted := seal.Event(id, 3, "UserDeleted", map[string]any{})
	restored := seal.Event(id, 4, "UserRestored", map[string]any{})
	b.apply(t, 2, created)                      // version 2 opens the person: its keyring caches the key
	forgotten := seal.Forget(id, 5, "ticket 7") // the key is deleted now
	b.apply(t, 1, created, updated, deleted, restored, forgotten)

	b.apply(t, 2, updated, deleted, restored)
	var status, username, email, first, last string
	if err := b.pool.QueryRow(ctx, `SELECT status, username, email, first_name, last_name FROM users_v2 WHERE id = $1`, id).
		Scan(&status, &username, &email, &first, &last); err != nil {
		t.Fatal(err)
	}
	if status != readmodel.StatusForgotten || username+email+first+last != "" {
		t.Fatalf("users_v2 after older events on a scrubbed row: %s %q %q %q %q; want a tombstone", status, username, email, first, last)
	}
	b.apply(t, 2, forgotten)
	pgtest.NoPlaintext(t, "the database after the erasure", pgtest.Dump(t, b.url), []string{"zelda", "Zeldarine", "Hyrulean"})
}
