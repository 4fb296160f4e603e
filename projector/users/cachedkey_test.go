package users_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/schemas"
)

// A key the keyring has cached, cipher and all, is not used after forgetting: the
// projector's keyring runs with its cache on (the default), and an event it opened a
// moment ago opens as erased once the person is forgotten through it.
func TestACachedKeyIsNotUsedAfterForgetting(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	seal := stacktest.NewSealer(t, stacktest.Keys(t, url, pool), pool)
	kek := stacktest.ParsedKEK(t)
	keys := subjectkeys.New(pool, kek, subjectkeys.Options{}) // cache on, as in production
	opener := schemas.Opener{Keys: keys, Erased: []byte(`""`)}

	id := stacktest.NewID()
	created := seal.Event(id, 1, "UserCreated", map[string]string{"username": "impa", "email": "impa@kakariko.example",
		"first_name": "Impa", "last_name": "Sheikah", "role": "user"})
	if _, err := keys.Keys(ctx, []uuid.UUID{uuid.MustParse(id)}); err != nil {
		t.Fatal(err)
	}
	opened, err := opener.OpenEvent(ctx, created)
	if err != nil || !bytes.Contains(opened.Data, []byte("impa@kakariko.example")) {
		t.Fatalf("before forgetting: %s, %v", opened.Data, err)
	}

	// Forget as command-api does: the key destroyed in the database, then Erased.
	if err := keys.Delete(ctx, pool, uuid.MustParse(id)); err != nil {
		t.Fatal(err)
	}
	keys.Erased(uuid.MustParse(id))
	op, err := opener.Open(ctx, created.AggregateType, created.AggregateID, created.EventType, created.SchemaVersion, created.Data, created.Metadata)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"impa", "Impa", "Sheikah"} {
		if bytes.Contains(op.Data, []byte(v)) {
			t.Fatalf("after forgetting the cached key still opened %q: %s", v, op.Data)
		}
	}
	if len(op.Erased) != 4 {
		t.Fatalf("erased fields %v, want the four personal ones", op.Erased)
	}
	// Reading the batch's keys again (the next batch) does not bring it back either.
	if _, err := keys.Keys(ctx, []uuid.UUID{uuid.MustParse(id)}); err != nil {
		t.Fatal(err)
	}
	if c, err := keys.DataKeyCipher(ctx, id, "any"); c != nil || err != nil {
		t.Fatalf("after a new prefetch: cipher %v, %v", c, err)
	}
}
