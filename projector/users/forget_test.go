package users_test

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
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

	dump, err := exec.Command("/usr/lib/postgresql/15/bin/pg_dump", "--dbname", b.url).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"zelda", "Zeldarine", "Hyrulean"} {
		if bytes.Contains(bytes.ToLower(dump), []byte(strings.ToLower(v))) {
			t.Errorf("the database still holds %q after the erasure", v)
		}
	}
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
