package commandapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/schemas"
)

// person is the personal data of one test person: values unique enough that finding one
// in a dump means it leaked.
type person struct {
	username, email, first, last, reason string
}

var grace = person{username: "gracehopperx", email: "grace.hopperx@navy.example", first: "Gracielle",
	last: "Hopperington", reason: "Gracielle asked to be called Hopperington-Murray"}

func (p person) values() []string {
	return []string{p.username, p.email, p.first, p.last, "Hopperington-Murray"}
}

var sealedValue = regexp.MustCompile(`rcl1\.[0-9a-f-]{36}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)

// The whole lifecycle of a forgotten person through the API, with the database dumped
// before and after: sealed at rest, opened where used, erased for good.
func TestForgetAPerson(t *testing.T) {
	a := start(t, "")
	p := startProjector(t, a)
	ctx := context.Background()
	var w written
	a.do("POST", "/v1/users", a.admin, map[string]any{"username": grace.username, "email": grace.email,
		"first_name": grace.first, "last_name": grace.last, "password": userPassword}, nil).want(t, 201).json(t, &w)
	id, path := w.ID, "/v1/users/"+w.ID
	a.do("PATCH", path, a.admin, map[string]any{"last_name": "Hopperington-Murray", "reason": grace.reason}, nil).want(t, 200)
	p.project(id, 0)

	// Before: the API answers in plaintext, the database holds none outside the read model.
	var got struct {
		LastName string `json:"last_name"`
	}
	a.do("GET", path, a.admin, nil, nil).want(t, 200).json(t, &got)
	if got.LastName != "Hopperington-Murray" {
		t.Fatalf("read model %+v", got)
	}
	var hist struct {
		Events []struct {
			EventType string          `json:"event_type"`
			Data      json.RawMessage `json:"data"`
			Metadata  json.RawMessage `json:"metadata"`
		} `json:"events"`
	}
	a.do("GET", path+"/history", a.admin, nil, nil).want(t, 200).json(t, &hist)
	if !strings.Contains(string(hist.Events[0].Data), grace.email) || !strings.Contains(string(hist.Events[1].Metadata), grace.reason) {
		t.Fatalf("history is not opened: %s", hist.Events)
	}
	before := pgtest.Dump(t, a.dbURL, "users_v*")
	pgtest.NoPlaintext(t, "the database before erasure (read model aside)", before, grace.values())

	// A service opens the sealed fields itself with the data key.
	var dk struct {
		KeyID  string `json:"key_id"`
		Key    string `json:"key"`
		MaxAge int    `json:"max_age_seconds"`
	}
	r := a.do("GET", path+"/data-key", a.admin, nil, nil).want(t, 200)
	r.json(t, &dk)
	// The lifetime is the body's; no HTTP cache may keep a raw key.
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" || dk.MaxAge <= 0 {
		t.Fatalf("Cache-Control %q, max_age_seconds %d", cc, dk.MaxAge)
	}
	raw, _ := base64.StdEncoding.DecodeString(dk.Key)
	key, err := schemas.NewDataKey(dk.KeyID, raw)
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	pool := openPool(t, a.dbURL)
	if err := pool.QueryRow(ctx, `SELECT data->>'email' FROM events WHERE aggregate_id = $1 AND revision = 1`, id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if v, err := key.Open("user", id, "email", stored); err != nil || v != grace.email {
		t.Fatalf("opened %q, %v", v, err)
	}
	a.do("GET", path+"/data-key", a.login(grace.username, userPassword), nil, nil).problem(t, 403, "forbidden")

	// Forget: the reason may not name the person; then 200, idempotent, and 410 after.
	a.do("POST", path+"/forget", a.admin, map[string]any{"reason": "request from Gracielle"}, nil).problem(t, 422, "validation")
	a.do("POST", path+"/forget", a.admin, nil, nil).problem(t, 400, "malformed-json")
	a.do("POST", path+"/forget", a.admin, map[string]any{}, nil).problem(t, 422, "validation")
	a.do("POST", path+"/forget", a.admin, map[string]any{"reason": "GDPR ticket 4711"}, hdr{"If-Match": `"1"`}).problem(t, 412, "precondition-failed")
	forget := hdr{"If-Match": `"2"`, "Idempotency-Key": "forget-4711"}
	first := a.do("POST", path+"/forget", a.admin, map[string]any{"reason": "GDPR ticket 4711"}, forget).want(t, 200)
	again := a.do("POST", path+"/forget", a.admin, map[string]any{"reason": "GDPR ticket 4711"}, forget).want(t, 200)
	if !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotency-Replayed") != "true" {
		t.Fatalf("retry answered %s (%v), first %s", again.Body, again.Header, first.Body)
	}
	a.do("POST", path+"/forget", a.admin, map[string]any{"reason": "again"}, nil).problem(t, 410, "forgotten")
	a.do("PATCH", path, a.admin, map[string]any{"first_name": "X"}, nil).problem(t, 410, "forgotten")
	a.do("DELETE", path, a.admin, nil, nil).problem(t, 410, "forgotten")
	a.do("POST", path+"/restore", a.admin, nil, nil).problem(t, 410, "forgotten")
	a.do("GET", path+"/data-key", a.admin, nil, nil).problem(t, 410, "forgotten")
	a.do("POST", "/v1/auth/login", "", map[string]string{"username": grace.username, "password": userPassword}, nil).
		problem(t, 401, "invalid-credentials")
	p.project(id, 0)
	a.do("GET", path, a.admin, nil, nil).problem(t, 410, "forgotten")

	// History and time travel keep who, when and why; personal fields are erased.
	hist.Events = nil
	a.do("GET", path+"/history", a.admin, nil, nil).want(t, 200).json(t, &hist)
	if len(hist.Events) != 3 || hist.Events[2].EventType != "UserForgotten" {
		t.Fatalf("history %s", hist.Events)
	}
	erased := `{"erased":true}`
	var created map[string]json.RawMessage
	_ = json.Unmarshal(hist.Events[0].Data, &created)
	for _, f := range []string{"username", "email", "first_name", "last_name"} {
		if string(created[f]) != erased {
			t.Errorf("history UserCreated %s = %s, want the erased marker", f, created[f])
		}
	}
	var meta1, meta2 map[string]json.RawMessage
	_ = json.Unmarshal(hist.Events[1].Metadata, &meta1)
	_ = json.Unmarshal(hist.Events[2].Metadata, &meta2)
	if string(meta1["reason"]) != erased || string(meta2["reason"]) != `"GDPR ticket 4711"` || len(meta2["actor_id"]) < 10 {
		t.Fatalf("metadata after erasure: %s / %s", hist.Events[1].Metadata, hist.Events[2].Metadata)
	}
	var st map[string]json.RawMessage
	a.do("GET", path+"/state?revision=2", a.admin, nil, nil).want(t, 200).json(t, &st)
	if string(st["username"]) != erased || string(st["last_name"]) != erased || string(st["status"]) != `"active"` {
		t.Fatalf("state at 2: %v", st)
	}
	a.do("GET", path+"/state", a.admin, nil, nil).want(t, 200).json(t, &st)
	if string(st["status"]) != `"forgotten"` || string(st["email"]) != erased || string(st["revision"]) != "3" {
		t.Fatalf("state now: %v", st)
	}

	// After: no plaintext anywhere, read model included, and no remaining key opens any
	// ciphertext of the person.
	after := pgtest.Dump(t, a.dbURL)
	pgtest.NoPlaintext(t, "the database after erasure", after, grace.values())
	tryRemainingKeys(t, pool, id, sealedValue.FindAll(after, -1))

	// The freed username and email can be taken by someone else.
	a.do("POST", "/v1/users", a.admin, map[string]any{"username": grace.username, "email": grace.email,
		"first_name": "Other", "last_name": "Person", "password": userPassword}, nil).want(t, 201)
}

// tryRemainingKeys opens every sealed value with every live key left in subject_keys, as
// the forgotten person's fields of every kind: none may open.
func tryRemainingKeys(t *testing.T, pool *pgxpool.Pool, forgotten string, sealed [][]byte) {
	t.Helper()
	ctx := context.Background()
	if len(sealed) == 0 {
		t.Fatal("no sealed value in the dump: nothing was tested")
	}
	kek, err := subjectkeys.ParseKEK(testKEK)
	if err != nil {
		t.Fatal(err)
	}
	keys := subjectkeys.New(pool, kek, subjectkeys.Options{})
	rows, err := pool.Query(ctx, `SELECT subject_id FROM subject_keys WHERE forgotten_at IS NULL`) // tombstones hold no key
	if err != nil {
		t.Fatal(err)
	}
	var subjects []uuid.UUID
	for rows.Next() {
		var s uuid.UUID
		_ = rows.Scan(&s)
		subjects = append(subjects, s)
	}
	rows.Close()
	if len(subjects) == 0 {
		t.Fatal("no remaining key to try")
	}
	fields := []string{"username", "email", "first_name", "last_name", "reason_sealed"}
	for _, s := range subjects {
		k, found, err := keys.Current(ctx, s)
		if err != nil || !found {
			t.Fatalf("key of %s: %v", s, err)
		}
		// Same key id, so Open does not refuse before trying the cipher.
		for _, v := range sealed {
			keyID, _, _, _ := schemas.ParseSealed(string(v))
			dk, _ := schemas.NewDataKey(keyID, k.Raw)
			for _, f := range fields {
				for _, typ := range []string{"user", "user-snapshot"} {
					if pt, err := dk.Open(typ, forgotten, f, string(v)); err == nil {
						t.Fatalf("the key of %s opened %s of the forgotten person: %q", s, f, pt)
					}
				}
			}
		}
	}
}

// The forget reason outlives the person in plaintext, so it may not name them by a
// value they held before either: an address changed last year is still theirs. Found by
// an outside review: only the current values were checked.
func TestForgetReasonMayNotNameFormerValues(t *testing.T) {
	a := start(t, "")
	var w written
	a.do("POST", "/v1/users", a.admin, map[string]any{"username": grace.username, "email": grace.email,
		"first_name": grace.first, "last_name": grace.last, "password": userPassword}, nil).want(t, 201).json(t, &w)
	path := "/v1/users/" + w.ID
	a.do("PATCH", path, a.admin, map[string]any{"email": "grace.murray@navy.example", "last_name": "Murray"}, nil).want(t, 200)
	for _, reason := range []string{"erasure for " + grace.email, "née Hopperington", "erasure for grace.murray@navy.example"} {
		a.do("POST", path+"/forget", a.admin, map[string]any{"reason": reason}, nil).problem(t, 422, "validation")
	}
	a.do("POST", path+"/forget", a.admin, map[string]any{"reason": "GDPR ticket 4711"}, nil).want(t, 200)
}

// Two instances share one database, as the chart's replicas do. B has read the person's
// history (its keyring cached the key) when the forget goes through A: B's history, past
// states and data-key route must show the person forgotten at once, not when its cache
// expires (found by an outside review: B served the plaintext and the key for minutes).
func TestForgetSeenByEveryInstance(t *testing.T) {
	a := start(t, "")
	b := start(t, a.dbURL)
	var w written
	a.do("POST", "/v1/users", a.admin, map[string]any{"username": grace.username, "email": grace.email,
		"first_name": grace.first, "last_name": grace.last, "password": userPassword}, nil).want(t, 201).json(t, &w)
	path := "/v1/users/" + w.ID
	a.do("PATCH", path, a.admin, map[string]any{"last_name": "Hopperington-Murray", "reason": grace.reason}, nil).want(t, 200)
	// B opens everything, and caches the key, before the forget.
	if h := b.do("GET", path+"/history", b.admin, nil, nil).want(t, 200); !strings.Contains(string(h.Body), grace.email) {
		t.Fatalf("B's history before the forget is not opened: %s", h.Body)
	}
	b.do("GET", path+"/state?revision=1", b.admin, nil, nil).want(t, 200)
	b.do("GET", path+"/data-key", b.admin, nil, nil).want(t, 200)
	var hist struct {
		Events []struct {
			Metadata struct {
				ActorID string `json:"actor_id"`
			} `json:"metadata"`
		} `json:"events"`
	}
	b.do("GET", path+"/history", b.admin, nil, nil).want(t, 200).json(t, &hist)
	actor := "/v1/actors/" + hist.Events[0].Metadata.ActorID + "/events"
	// C, a third instance, only ever shows the actor view.
	c := start(t, a.dbURL)
	if r := c.do("GET", actor, c.admin, nil, nil).want(t, 200); !strings.Contains(string(r.Body), grace.email) {
		t.Fatalf("C's actor view before the forget is not opened: %s", r.Body)
	}

	a.do("POST", path+"/forget", a.admin, map[string]any{"reason": "GDPR ticket 4711"}, nil).want(t, 200)

	// A dry run on a past state, and a view over many people's events, open with their
	// instance's keyring; each is asked first on its instance (any route that sees the
	// forget tells the keyring, and the later ones would pass on that alone).
	r := b.do("POST", path+"/commands:dry-run?revision=2", b.admin, map[string]any{"command": "DeleteUser", "input": map[string]any{}}, nil).want(t, 200)
	pgtest.NoPlaintext(t, "B's dry run on revision 2 after the forget through A", r.Body, grace.values())
	r = c.do("GET", actor, c.admin, nil, nil).want(t, 200)
	pgtest.NoPlaintext(t, "C's actor view after the forget through A", r.Body, grace.values())

	// Past states first: they end before the forget, which must erase them all the same.
	for _, q := range []string{"/state?revision=1", "/state?revision=2", "/state", "/history"} {
		r := b.do("GET", path+q, b.admin, nil, nil).want(t, 200)
		pgtest.NoPlaintext(t, "B's "+q+" after the forget through A", r.Body, grace.values())
		if !strings.Contains(string(r.Body), `{"erased":true}`) {
			t.Errorf("B's %s after the forget shows no erased marker: %s", q, r.Body)
		}
	}
	b.do("GET", path+"/data-key", b.admin, nil, nil).problem(t, 410, "forgotten")
}

// A command racing with forget lands before it (and is erased with the rest) or fails
// with a documented problem: never a 500, never plaintext after the erasure.
func TestForgetRacingWithCommands(t *testing.T) {
	a := start(t, "")
	id := a.createUser("racer")
	path := "/v1/users/" + id
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	names := []string{}
	for i := range 16 {
		name := fmt.Sprintf("Racename%02dq", i)
		names = append(names, name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := a.try("PATCH", path, a.admin, map[string]any{"first_name": name, "reason": "rename to " + name}, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		}()
		if i == 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := a.try("POST", path+"/forget", a.admin, map[string]any{"reason": "ticket 9"}, nil)
				if err != nil || r.Status != 200 {
					t.Errorf("forget: %v %d %s", err, r.Status, r.Body)
				}
			}()
		}
	}
	wg.Wait()
	for s := range statuses {
		if s != 200 && s != 410 && s != 409 {
			t.Errorf("a racing command answered %d (%v)", s, statuses)
		}
	}
	pgtest.NoPlaintext(t, "the database after a racing erasure", pgtest.Dump(t, a.dbURL), append(names, "racer@example.com"))
	a.do("PATCH", path, a.admin, map[string]any{"first_name": "Late"}, nil).problem(t, 410, "forgotten")
}
