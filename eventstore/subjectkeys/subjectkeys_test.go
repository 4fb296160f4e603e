package subjectkeys_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/pgmigrate"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func setup(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	url := pgtest.Database(t)
	if err := pgmigrate.Up(context.Background(), url, subjectkeys.Migrations); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return url, pool
}

func newKEK(t testing.TB) *subjectkeys.KEK {
	t.Helper()
	s, err := subjectkeys.GenerateKEK()
	if err != nil {
		t.Fatal(err)
	}
	k, err := subjectkeys.ParseKEK(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestParseKEK(t *testing.T) {
	for _, bad := range []string{"", "c2hvcnQ=", "not base64 at all!"} {
		if _, err := subjectkeys.ParseKEK(bad); err == nil {
			t.Errorf("ParseKEK(%q) accepted", bad)
		}
	}
}

func TestCreateReadDeleteForget(t *testing.T) {
	ctx := context.Background()
	_, pool := setup(t)
	kek := newKEK(t)
	keys := subjectkeys.New(pool, kek, subjectkeys.Options{})
	id := uuid.New()

	key, err := keys.Create(ctx, pool, id)
	if err != nil || len(key.Raw) != subjectkeys.DataKeySize {
		t.Fatalf("Create = %v, %v", key, err)
	}
	if _, err := keys.Create(ctx, pool, id); err == nil {
		t.Fatal("a second key for one subject was created")
	}
	// A fresh keyring (no cache) reads the same key; the table holds it only wrapped.
	fresh := subjectkeys.New(pool, kek, subjectkeys.Options{CacheTTL: -1})
	got, err := fresh.DataKey(ctx, id.String(), key.ID)
	if err != nil || !bytes.Equal(got, key.Raw) {
		t.Fatalf("DataKey = %x, %v; want %x", got, err, key.Raw)
	}
	var wrapped []byte
	if err := pool.QueryRow(ctx, `SELECT wrapped FROM subject_keys WHERE subject_id = $1`, id).Scan(&wrapped); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(wrapped, key.Raw) {
		t.Fatal("subject_keys holds the data key in plaintext")
	}
	if _, err := fresh.DataKey(ctx, id.String(), uuid.NewString()); err == nil {
		t.Fatal("a key id the subject never had was answered")
	}
	// Another KEK cannot unwrap it.
	if _, err := subjectkeys.New(pool, newKEK(t), subjectkeys.Options{}).DataKey(ctx, id.String(), key.ID); err == nil {
		t.Fatal("a different KEK unwrapped the key")
	}

	// Delete in a transaction that rolls back: nothing happened.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Delete(ctx, tx, id); err != nil {
		t.Fatal(err)
	}
	_ = tx.Rollback(ctx)
	if got, _ := fresh.DataKey(ctx, id.String(), key.ID); got == nil {
		t.Fatal("a rolled-back delete erased the key")
	}
	// Committed: erased for every reader, cached or not, and never to be created again.
	if _, err := keys.DataKey(ctx, id.String(), key.ID); err != nil { // warm the cache
		t.Fatal(err)
	}
	if err := keys.Delete(ctx, pool, id); err != nil {
		t.Fatal(err)
	}
	keys.Erased(id)
	for name, k := range map[string]*subjectkeys.Keyring{"deleting": keys, "fresh": fresh} {
		if got, err := k.DataKey(ctx, id.String(), key.ID); got != nil || err != nil {
			t.Fatalf("%s keyring after delete: %x, %v", name, got, err)
		}
	}
	other := uuid.New()
	if _, err := keys.Create(ctx, pool, other); err != nil {
		t.Fatal(err)
	}
	cold := subjectkeys.New(pool, kek, subjectkeys.Options{})
	if _, err := cold.Keys(ctx, []uuid.UUID{id, other}); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := cold.Current(ctx, id); found {
		t.Fatal("Keys found a deleted key")
	}
	if _, found, _ := cold.Current(ctx, other); !found {
		t.Fatal("Keys missed a key")
	}
}

// A keyring caches keys for CacheTTL; another process's forget is not seen by Lookup
// until then. LookupStored reads the row and sees it at once, and from then on the cache
// knows the subject is forgotten too.
func TestLookupStoredSeesAnotherProcesssForget(t *testing.T) {
	ctx := context.Background()
	_, pool := setup(t)
	kek := newKEK(t)
	here, there := subjectkeys.New(pool, kek, subjectkeys.Options{}), subjectkeys.New(pool, kek, subjectkeys.Options{})
	id := uuid.New()
	key, err := here.Create(ctx, pool, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, lookup := range []func(context.Context, uuid.UUID) (subjectkeys.Key, subjectkeys.State, error){there.Lookup, there.LookupStored} {
		if got, st, err := lookup(ctx, id); err != nil || st != subjectkeys.Live || !bytes.Equal(got.Raw, key.Raw) {
			t.Fatalf("before the forget: %v, %v, %v", got.ID, st, err)
		}
	}
	if err := here.Delete(ctx, pool, id); err != nil {
		t.Fatal(err)
	}
	here.Erased(id)
	if _, st, _ := there.Lookup(ctx, id); st != subjectkeys.Live {
		t.Fatalf("the other keyring's cache answered %v; this test expects it to still hold the key", st)
	}
	if got, st, err := there.LookupStored(ctx, id); err != nil || st != subjectkeys.Forgotten || got.Raw != nil {
		t.Fatalf("LookupStored after another process's forget: %x, %v, %v; want Forgotten", got.Raw, st, err)
	}
	if got, st, err := there.Lookup(ctx, id); err != nil || st != subjectkeys.Forgotten || got.Raw != nil {
		t.Fatalf("Lookup after LookupStored saw the tombstone: %x, %v, %v; want Forgotten", got.Raw, st, err)
	}
}

// NoteErasures does for many people in one query what LookupStored does for one: the
// forgotten ones among them lose their cached keys; the others keep theirs.
func TestNoteErasuresDropsOnlyTheForgotten(t *testing.T) {
	ctx := context.Background()
	_, pool := setup(t)
	kek := newKEK(t)
	here, there := subjectkeys.New(pool, kek, subjectkeys.Options{}), subjectkeys.New(pool, kek, subjectkeys.Options{})
	gone, kept, never := uuid.New(), uuid.New(), uuid.New()
	for _, id := range []uuid.UUID{gone, kept} {
		if _, err := here.Create(ctx, pool, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := there.Keys(ctx, []uuid.UUID{gone, kept}); err != nil { // cached there
		t.Fatal(err)
	}
	if err := here.Delete(ctx, pool, gone); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := there.Current(ctx, gone); !found {
		t.Fatal("this test expects the other keyring to still cache the key")
	}
	if err := there.NoteErasures(ctx, []uuid.UUID{gone, kept, never}); err != nil {
		t.Fatal(err)
	}
	if _, st, err := there.Lookup(ctx, gone); err != nil || st != subjectkeys.Forgotten {
		t.Fatalf("forgotten person after NoteErasures: %v, %v", st, err)
	}
	if _, st, err := there.Lookup(ctx, kept); err != nil || st != subjectkeys.Live {
		t.Fatalf("live person after NoteErasures: %v, %v", st, err)
	}
	if _, st, err := there.Lookup(ctx, never); err != nil || st != subjectkeys.NoKey {
		t.Fatalf("person without a key after NoteErasures: %v, %v", st, err)
	}
}

// KEK rotation re-wraps every key and the claim key; the data keys (and so every event
// sealed with them) and the claim key (and so every claim) stay the same.
func TestRotate(t *testing.T) {
	ctx := context.Background()
	url, pool := setup(t)
	oldKEK, newKEK := newKEK(t), newKEK(t)
	keys := subjectkeys.New(pool, oldKEK, subjectkeys.Options{})
	claim, err := keys.ClaimKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uuid.UUID]subjectkeys.Key{}
	for range 1200 { // more than one batch
		id := uuid.New()
		k, err := keys.Create(ctx, pool, id)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = k
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	n, err := subjectkeys.Rotate(ctx, conn, newKEK, oldKEK)
	if err != nil || n != len(want)+1 {
		t.Fatalf("Rotate = %d, %v; want %d", n, err, len(want)+1)
	}
	if n, err := subjectkeys.Rotate(ctx, conn, newKEK, oldKEK); err != nil || n != 0 {
		t.Fatalf("second Rotate = %d, %v; want 0", n, err)
	}
	rotated := subjectkeys.New(pool, newKEK, subjectkeys.Options{})
	for id, k := range want {
		got, err := rotated.DataKey(ctx, id.String(), k.ID)
		if err != nil || !bytes.Equal(got, k.Raw) {
			t.Fatalf("after rotation %s: %x, %v", id, got, err)
		}
	}
	if c, err := rotated.ClaimKey(ctx); err != nil || !bytes.Equal(c, claim) {
		t.Fatalf("claim key changed in rotation: %v", err)
	}
	var stale int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM subject_keys WHERE kek_id <> $1`, newKEK.ID()).Scan(&stale); err != nil || stale != 0 {
		t.Fatalf("%d rows still on the old KEK (%v)", stale, err)
	}
	for id, k := range want {
		if _, err := subjectkeys.New(pool, oldKEK, subjectkeys.Options{}).DataKey(ctx, id.String(), k.ID); err == nil {
			t.Fatal("the old KEK still unwraps after rotation")
		}
		break
	}
}

// Forgetting leaves a tombstone: the wrapped key is gone, the row is not. Readers tell a
// forgotten person (nil key, no error) from a key whose row they cannot see (yet):
// ErrNotVisible, transient, and not cached, so the key is found once it is visible.
func TestTombstonesTellForgottenFromNotVisible(t *testing.T) {
	ctx := context.Background()
	_, pool := setup(t)
	kek := newKEK(t)
	keys := subjectkeys.New(pool, kek, subjectkeys.Options{})

	// Not visible yet: Keys and DataKey must not take the person for forgotten.
	id := uuid.New()
	key, err := subjectkeys.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Keys(ctx, []uuid.UUID{id}); err != nil {
		t.Fatal(err)
	}
	if got, err := keys.DataKey(ctx, id.String(), key.ID); got != nil || !errors.Is(err, subjectkeys.ErrNotVisible) {
		t.Fatalf("DataKey before the row is visible = %x, %v; want ErrNotVisible", got, err)
	}
	if _, st, err := keys.Lookup(ctx, id); st != subjectkeys.NoKey || err != nil {
		t.Fatalf("Lookup = %v, %v; want NoKey", st, err)
	}
	if err := keys.Insert(ctx, pool, id, key); err != nil {
		t.Fatal(err)
	}
	if got, err := keys.DataKey(ctx, id.String(), key.ID); err != nil || !bytes.Equal(got, key.Raw) {
		t.Fatalf("DataKey once visible = %x, %v", got, err)
	}

	// Forgotten: a tombstone without the wrapped key, read as forgotten by a fresh
	// keyring (Lookup and Keys), and the subject can never get a key again.
	if err := keys.Delete(ctx, pool, id); err != nil {
		t.Fatal(err)
	}
	keys.Erased(id)
	var wrapped []byte
	var kekID *string
	var forgottenAt *time.Time
	if err := pool.QueryRow(ctx, `SELECT wrapped, kek_id, forgotten_at FROM subject_keys WHERE subject_id = $1`, id).
		Scan(&wrapped, &kekID, &forgottenAt); err != nil || wrapped != nil || kekID != nil || forgottenAt == nil {
		t.Fatalf("tombstone %x %v %v, %v", wrapped, kekID, forgottenAt, err)
	}
	for _, prefetch := range []bool{false, true} {
		k := subjectkeys.New(pool, kek, subjectkeys.Options{})
		if prefetch {
			if _, err := k.Keys(ctx, []uuid.UUID{id}); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := k.DataKey(ctx, id.String(), key.ID); got != nil || err != nil {
			t.Fatalf("prefetch %v: DataKey of a forgotten person = %x, %v; want nil, nil", prefetch, got, err)
		}
		if _, st, _ := k.Lookup(ctx, id); st != subjectkeys.Forgotten {
			t.Fatalf("prefetch %v: Lookup = %v; want Forgotten", prefetch, st)
		}
	}
	if _, err := keys.Create(ctx, pool, id); !errors.Is(err, subjectkeys.ErrExists) {
		t.Fatalf("Create for a forgotten subject = %v; want ErrExists", err)
	}

	// A person written before events were sealed has no key; forgetting them leaves a
	// tombstone all the same, and forgetting twice keeps the first instant.
	old := uuid.New()
	for range 2 {
		if err := keys.Delete(ctx, pool, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, st, err := subjectkeys.New(pool, kek, subjectkeys.Options{}).Lookup(ctx, old); st != subjectkeys.Forgotten || err != nil {
		t.Fatalf("Lookup of a forgotten keyless person = %v, %v", st, err)
	}
}

// People forgotten before tombstones existed had their row deleted; the migration gives
// them a tombstone from their UserForgotten event, so a replay does not wait forever for
// their key.
func TestMigrationBackfillsTombstones(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	// The columns of the event store's table the migration reads.
	forgotten, kept := uuid.New(), uuid.New()
	if _, err := pool.Exec(ctx, `CREATE TABLE events (aggregate_type text, aggregate_id uuid, event_type text, recorded_at timestamptz)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO events VALUES ('user', $1, 'UserCreated', now()), ('user', $1, 'UserForgotten', now()),
		('user', $2, 'UserCreated', now())`, forgotten, kept); err != nil {
		t.Fatal(err)
	}
	if err := pgmigrate.Up(ctx, url, subjectkeys.Migrations); err != nil {
		t.Fatal(err)
	}
	keys := subjectkeys.New(pool, newKEK(t), subjectkeys.Options{})
	if _, st, err := keys.Lookup(ctx, forgotten); st != subjectkeys.Forgotten || err != nil {
		t.Fatalf("forgotten before the migration: %v, %v; want Forgotten", st, err)
	}
	if _, st, err := keys.Lookup(ctx, kept); st != subjectkeys.NoKey || err != nil {
		t.Fatalf("never forgotten: %v, %v; want NoKey", st, err)
	}
}

// Keys answers a batch at once: each live subject's key with its cipher ready, a
// forgotten one as a tombstone, one without a row not at all; from the database on a
// cold keyring (cache on or off) and from the cache after.
func TestKeysAnswersABatch(t *testing.T) {
	ctx := context.Background()
	_, pool := setup(t)
	kek := newKEK(t)
	keys := subjectkeys.New(pool, kek, subjectkeys.Options{})
	live, gone, none := uuid.New(), uuid.New(), uuid.New()
	key, err := keys.Create(ctx, pool, live)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Create(ctx, pool, gone); err != nil {
		t.Fatal(err)
	}
	if err := keys.Delete(ctx, pool, gone); err != nil {
		t.Fatal(err)
	}
	batch := []uuid.UUID{live, gone, none, live, gone, live}
	for name, k := range map[string]*subjectkeys.Keyring{
		"cold":      subjectkeys.New(pool, kek, subjectkeys.Options{}),
		"cache off": subjectkeys.New(pool, kek, subjectkeys.Options{CacheTTL: -1}),
	} {
		for _, round := range []string{"first", "again"} {
			got, err := k.Keys(ctx, batch)
			if err != nil {
				t.Fatalf("%s, %s: %v", name, round, err)
			}
			if len(got) != 2 {
				t.Fatalf("%s, %s: %d subjects answered, want live and forgotten: %v", name, round, len(got), got)
			}
			if g := got[gone]; g.Raw != nil {
				t.Fatalf("%s, %s: the forgotten subject answered a key", name, round)
			}
			l, ok := got[live]
			if !ok || l.ID != key.ID || !bytes.Equal(l.Raw, key.Raw) {
				t.Fatalf("%s, %s: live key %+v, want id %s", name, round, l, key.ID)
			}
			aead, err := l.Cipher()
			if err != nil {
				t.Fatal(err)
			}
			nonce := make([]byte, aead.NonceSize())
			sealed := aead.Seal(nil, nonce, []byte("x"), nil)
			want, _ := key.Cipher()
			if pt, err := want.Open(nil, nonce, sealed, nil); err != nil || string(pt) != "x" {
				t.Fatalf("%s, %s: the answered cipher is not the key's: %v", name, round, err)
			}
		}
	}
}
