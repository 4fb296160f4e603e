package commandapi_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Commands check their actor on the cached state of its user and guard their append on
// that state's revision instead of reading it per request. Two processes on one database
// show that the check still holds when the change happened elsewhere: process b has the
// actor cached, process a changes the actor, and b refuses what the actor may no longer
// do, accepts what it now may, and never answers a refused token from its cache.
func TestActorCheckedAcrossProcesses(t *testing.T) {
	a := start(t, "")
	b := start(t, a.dbURL)
	ada, grace, victim := a.createUser("ada"), a.createUser("grace"), a.createUser("victim")
	a.do("PUT", "/v1/users/"+ada+"/role", a.admin, map[string]any{"role": "admin"}, nil).want(t, 200)
	adaTok, graceTok := a.login("ada", userPassword), a.login("grace", userPassword)
	// b caches both actors.
	b.do("PATCH", "/v1/users/"+victim, adaTok, map[string]any{"first_name": "Alan"}, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+grace, graceTok, map[string]any{"first_name": "Grace"}, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+victim, graceTok, map[string]any{"first_name": "Eve"}, nil).problem(t, 403, "forbidden")

	// Demoted on a: Ada's token is refused on b, for a change and for a no-op alike.
	a.do("PUT", "/v1/users/"+ada+"/role", a.admin, map[string]any{"role": "user"}, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+victim, adaTok, map[string]any{"first_name": "Mallory"}, nil).problem(t, 401, "unauthenticated")
	b.do("PATCH", "/v1/users/"+victim, adaTok, map[string]any{"first_name": "Alan"}, nil).problem(t, 401, "unauthenticated")
	b.do("PUT", "/v1/users/"+ada+"/role", adaTok, map[string]any{"role": "admin"}, nil).problem(t, 401, "unauthenticated")
	// Refused, not applied: b's guarded appends wrote nothing.
	var victimNow struct {
		FirstName string `json:"first_name"`
		Revision  int64  `json:"revision"`
	}
	a.do("GET", "/v1/users/"+victim+"/state", a.admin, nil, nil).want(t, 200).json(t, &victimNow)
	if victimNow.FirstName != "Alan" || victimNow.Revision != 2 {
		t.Fatalf("victim after the refused commands: %+v, want Alan at revision 2", victimNow)
	}
	adaTok = a.login("ada", userPassword)
	b.do("PATCH", "/v1/users/"+victim, adaTok, map[string]any{"first_name": "Mallory"}, nil).problem(t, 403, "forbidden")

	// Promoted on a while b holds Grace as a user: her new token may act on b at once.
	a.do("PUT", "/v1/users/"+grace+"/role", a.admin, map[string]any{"role": "admin"}, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+grace, graceTok, map[string]any{"first_name": "Old"}, nil).problem(t, 401, "unauthenticated")
	graceTok = a.login("grace", userPassword)
	b.do("PATCH", "/v1/users/"+victim, graceTok, map[string]any{"first_name": "Alan"}, nil).want(t, 200)

	// A retry with an Idempotency-Key is replayed on b only while the token is good.
	key := hdr{"Idempotency-Key": "k-1"}
	b.do("PATCH", "/v1/users/"+grace, graceTok, map[string]any{"first_name": "Grace"}, key).want(t, 200)
	b.do("PATCH", "/v1/users/"+grace, graceTok, map[string]any{"first_name": "Grace"}, key).want(t, 200)
	a.do("PUT", "/v1/users/"+grace+"/password", a.admin, map[string]any{"new_password": "another-secret-pw-2"}, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+grace, graceTok, map[string]any{"first_name": "Grace"}, key).problem(t, 401, "unauthenticated")

	// Deleted on a: refused on b, a no-op on herself included.
	a.do("DELETE", "/v1/users/"+ada, a.admin, nil, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+ada, adaTok, map[string]any{"first_name": "Ada"}, nil).problem(t, 401, "unauthenticated")
	b.do("PATCH", "/v1/users/"+ada, adaTok, map[string]any{"first_name": "Back"}, nil).problem(t, 401, "unauthenticated")
}

// Commands of an admin stream into process b, which has her cached as an admin, while
// process a demotes her. The demotion reaches b through nothing but the guard on her
// revision in each append, so this is the window the cache opens: every command that
// starts after the demotion has committed must be refused, and no refused command may
// have written anything (each one that succeeded is exactly one event on its target).
func TestDemotionRefusesConcurrentCommands(t *testing.T) {
	a := start(t, "")
	b := start(t, a.dbURL)
	ada := a.createUser("ada")
	a.do("PUT", "/v1/users/"+ada+"/role", a.admin, map[string]any{"role": "admin"}, nil).want(t, 200)
	adaTok := a.login("ada", userPassword)

	// One target per worker: commands on one stream would also meet each other's
	// expected revisions, which is not what this test is about.
	const workers = 4
	targets := make([]string, workers)
	start := make([]int64, workers)
	for i := range targets {
		targets[i] = a.createUser(fmt.Sprintf("target%d", i))
		// b caches Ada (and each target) as they are now.
		b.do("PATCH", "/v1/users/"+targets[i], adaTok, map[string]any{"first_name": "Before"}, nil).want(t, 200)
		start[i] = stateRevision(t, a, targets[i])
	}

	type outcome struct {
		sent   time.Time
		status int
	}
	var (
		mu       sync.Mutex
		outcomes = make([][]outcome, workers)
		okBefore atomic.Int64
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Bounded in count and in time whatever happens to the demotion.
			deadline := time.Now().Add(20 * time.Second)
			for n := 0; n < 2000 && time.Now().Before(deadline); n++ {
				select {
				case <-stop:
					return
				default:
				}
				sent := time.Now()
				r, err := b.try("PATCH", "/v1/users/"+targets[w], adaTok,
					map[string]any{"first_name": fmt.Sprintf("W%dn%d", w, n)}, nil)
				if err != nil {
					t.Error(err)
					return
				}
				if r.Status == 200 {
					okBefore.Add(1)
				}
				mu.Lock()
				outcomes[w] = append(outcomes[w], outcome{sent, r.Status})
				mu.Unlock()
			}
		}()
	}
	// Demote her once commands are flowing, then let them run on against the demotion.
	for okBefore.Load() < 4*workers && !t.Failed() {
		time.Sleep(5 * time.Millisecond)
	}
	a.do("PUT", "/v1/users/"+ada+"/role", a.admin, map[string]any{"role": "user"}, nil).want(t, 200)
	demoted := time.Now()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	after := 0
	for w, outs := range outcomes {
		ok := 0
		for _, o := range outs {
			switch {
			case o.status == 200 && o.sent.After(demoted):
				t.Errorf("worker %d: a command sent %v after the demotion committed was applied", w, o.sent.Sub(demoted))
			case o.status == 200:
				ok++
			case o.status != 401:
				t.Errorf("worker %d: status %d, want 200 or 401", w, o.status)
			}
			if o.sent.After(demoted) {
				after++
			}
		}
		if got := stateRevision(t, a, targets[w]) - start[w]; got != int64(ok) {
			t.Errorf("worker %d: %d commands answered 200 but its target moved by %d events", w, ok, got)
		}
	}
	if after == 0 {
		t.Fatal("no command was sent after the demotion: the test did not exercise the guard")
	}
	t.Logf("%d commands applied before the demotion, %d sent after it", okBefore.Load(), after)
}

// stateRevision is the revision of user id's stream, from the store.
func stateRevision(t *testing.T, a *api, id string) int64 {
	t.Helper()
	var s struct {
		Revision int64 `json:"revision"`
	}
	a.do("GET", "/v1/users/"+id+"/state", a.admin, nil, nil).want(t, 200).json(t, &s)
	return s.Revision
}
