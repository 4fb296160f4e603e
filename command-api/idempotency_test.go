package commandapi_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	commandapi "github.com/recall-events/recall/command-api"
)

func TestIdempotentRetry(t *testing.T) {
	a := start(t, "")
	body := map[string]any{"username": "grace", "email": "grace@example.com", "first_name": "Grace",
		"last_name": "Hopper", "password": userPassword}
	key := hdr{"Idempotency-Key": "create-grace-1"}
	first := a.do("POST", "/v1/users", a.admin, body, key).want(t, 201)
	again := a.do("POST", "/v1/users", a.admin, body, key).want(t, 201)
	if !bytes.Equal(first.Body, again.Body) || first.Header.Get("ETag") != again.Header.Get("ETag") ||
		first.Header.Get("Location") != again.Header.Get("Location") || again.Header.Get("Idempotency-Replayed") != "true" {
		t.Fatalf("replay differs:\n%v %s\n%v %s", first.Header, first.Body, again.Header, again.Body)
	}
	body["first_name"] = "Other"
	a.do("POST", "/v1/users", a.admin, body, key).problem(t, 422, "idempotency-key-reused")
	a.do("POST", "/v1/users", a.admin, body, hdr{"Idempotency-Key": "bad key with spaces"}).problem(t, 422, "validation")

	// PATCH: the key on another path is another request.
	var w written
	first.json(t, &w)
	patch := map[string]any{"first_name": "Amazing"}
	p1 := a.do("PATCH", "/v1/users/"+w.ID, a.admin, patch, hdr{"Idempotency-Key": "p"}).want(t, 200)
	a.do("PATCH", "/v1/users/"+w.ID, a.admin, map[string]any{"first_name": "Later"}, nil).want(t, 200)
	p2 := a.do("PATCH", "/v1/users/"+w.ID, a.admin, patch, hdr{"Idempotency-Key": "p"}).want(t, 200)
	if !bytes.Equal(p1.Body, p2.Body) || p2.Header.Get("ETag") != `"2"` {
		t.Fatalf("PATCH replay: %s vs %s (%v)", p1.Body, p2.Body, p2.Header)
	}
	other := a.createUser("alan")
	a.do("PATCH", "/v1/users/"+other, a.admin, patch, hdr{"Idempotency-Key": "p"}).problem(t, 422, "idempotency-key-reused")
	var h history
	a.do("GET", "/v1/users/"+w.ID+"/history", a.admin, nil, nil).want(t, 200).json(t, &h)
	if len(h.Events) != 3 || h.Events[1].Metadata.IdempotencyKey != "p" {
		t.Fatalf("history: %+v", h.Events)
	}
}

// Concurrent requests with one key: one runs, the others get its response.
func TestIdempotencyConcurrent(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	const n = 8
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := a.try("PATCH", "/v1/users/"+id, a.admin, map[string]any{"last_name": "Hopper"}, hdr{"Idempotency-Key": "same"})
			if err != nil || r.Status != 200 {
				t.Errorf("%v %d %s", err, r.Status, r.Body)
			}
			bodies[i] = r.Body
		})
	}
	wg.Wait()
	for _, b := range bodies[1:] {
		if !bytes.Equal(b, bodies[0]) {
			t.Fatalf("bodies differ: %s vs %s", b, bodies[0])
		}
	}
	var h history
	a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil).want(t, 200).json(t, &h)
	if len(h.Events) != 2 {
		t.Fatalf("%d events, want 2", len(h.Events))
	}
}

// Run purges expired idempotency records on its own, and logs how many.
func TestExpiredIdempotencyRecordsArePurged(t *testing.T) {
	a := start(t, "", func(c *commandapi.Config) { c.IdempotencyPurgeInterval = 50 * time.Millisecond })
	id := a.createUser("grace")
	a.do("PATCH", "/v1/users/"+id, a.admin, map[string]any{"last_name": "Hopper"}, hdr{"Idempotency-Key": "live"}).want(t, 200)
	db := openPool(t, a.dbURL)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `INSERT INTO idempotency_keys (scope, key, fingerprint, response, expires_at)
		SELECT 'actor:x', 'old-' || i, '\x00', '\x00', now() - interval '1 minute' FROM generate_series(1, 2500) i`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var expired, live int
		if err := db.QueryRow(ctx, `SELECT count(*) FILTER (WHERE expires_at <= now()), count(*) FILTER (WHERE expires_at > now())
			FROM idempotency_keys`).Scan(&expired, &live); err != nil {
			t.Fatal(err)
		}
		if expired == 0 && live == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d expired records left, %d live", expired, live)
		}
		time.Sleep(20 * time.Millisecond)
	}
	deadline = time.Now().Add(5 * time.Second)
	logged := func() bool {
		for line := range strings.Lines(a.logs.String()) {
			if strings.Contains(line, `"msg":"idempotency records purged"`) && strings.Contains(line, `"deleted":2500,`) {
				return true
			}
		}
		return false
	}
	for !logged() {
		if time.Now().After(deadline) {
			t.Fatalf("no purge log line with the count:\n%s", a.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A command that changes nothing still records its key: the retry replays, the key with
// another body is refused instead of executing.
func TestIdempotencyOfNoOps(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace") // Ada Lovelace, role user
	path := "/v1/users/" + id
	same := map[string]any{"last_name": "Lovelace"}
	first := a.do("PATCH", path, a.admin, same, hdr{"Idempotency-Key": "noop"}).want(t, 200)
	again := a.do("PATCH", path, a.admin, same, hdr{"Idempotency-Key": "noop"}).want(t, 200)
	if !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotency-Replayed") != "true" || again.Header.Get("ETag") != `"1"` {
		t.Fatalf("no-op retry: %v %s", again.Header, again.Body)
	}
	a.do("PATCH", path, a.admin, map[string]any{"last_name": "Byron"}, hdr{"Idempotency-Key": "noop"}).
		problem(t, 422, "idempotency-key-reused")

	a.do("PUT", path+"/role", a.admin, map[string]any{"role": "user"}, hdr{"Idempotency-Key": "role"}).want(t, 200)
	a.do("PUT", path+"/role", a.admin, map[string]any{"role": "admin"}, hdr{"Idempotency-Key": "role"}).
		problem(t, 422, "idempotency-key-reused")

	var h history
	a.do("GET", path+"/history", a.admin, nil, nil).want(t, 200).json(t, &h)
	if len(h.Events) != 1 {
		t.Fatalf("%d events, want only UserCreated", len(h.Events))
	}
}

// If-Match is part of what makes a request the same: the key with another precondition
// is another request.
func TestIdempotencyFingerprintsIfMatch(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	path := "/v1/users/" + id
	body := map[string]any{"first_name": "Grace"}
	a.do("PATCH", path, a.admin, body, hdr{"Idempotency-Key": "m", "If-Match": `"1"`}).want(t, 200)
	a.do("PATCH", path, a.admin, body, hdr{"Idempotency-Key": "m", "If-Match": `"1"`}).want(t, 200)
	a.do("PATCH", path, a.admin, body, hdr{"Idempotency-Key": "m", "If-Match": `"2"`}).problem(t, 422, "idempotency-key-reused")
	a.do("PATCH", path, a.admin, body, hdr{"Idempotency-Key": "m"}).problem(t, 422, "idempotency-key-reused")
}
