package commandapi_test

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	commandapi "github.com/recall-events/recall/command-api"
)

// patchConcurrently sends n PATCHes of user id without If-Match, spread over servers, and
// returns the revisions they answered.
func patchConcurrently(t *testing.T, servers []*api, id string, n int) []int64 {
	t.Helper()
	revs := make([]int64, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			a := servers[i%len(servers)]
			r, err := a.try("PATCH", "/v1/users/"+id, a.admin, map[string]any{"first_name": fmt.Sprintf("Name%d", i)}, nil)
			if err == nil && r.Status != 200 {
				err = fmt.Errorf("PATCH %d: %d %s", i, r.Status, r.Body)
			}
			if err != nil {
				errs <- err
				return
			}
			var w written
			r.json(t, &w)
			revs[i] = w.Revision
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	sort.Slice(revs, func(i, j int) bool { return revs[i] < revs[j] })
	return revs
}

func checkGapless(t *testing.T, a *api, id string, revs []int64) {
	t.Helper()
	for i, r := range revs {
		if r != int64(i+2) {
			t.Fatalf("revisions %v: not 2..%d", revs, len(revs)+1)
		}
	}
	var h history
	a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil).want(t, 200).json(t, &h)
	for i, e := range h.Events {
		if e.Revision != int64(i+1) {
			t.Fatalf("history revision %d at %d", e.Revision, i)
		}
	}
	if len(h.Events) != len(revs)+1 {
		t.Fatalf("%d events, want %d", len(h.Events), len(revs)+1)
	}
}

func TestConcurrentPatchesWithoutIfMatch(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	checkGapless(t, a, id, patchConcurrently(t, []*api{a}, id, 32))
}

// Two processes on one database: their writers do conflict in the store, and the bounded
// retry resolves it.
func TestConcurrentPatchesAcrossProcesses(t *testing.T) {
	a := start(t, "")
	b := start(t, a.dbURL)
	id := a.createUser("grace")
	checkGapless(t, a, id, patchConcurrently(t, []*api{a, b}, id, 32))
	if v := metricValue(t, a, "recall_commands_concurrency_conflicts_total") + metricValue(t, b, "recall_commands_concurrency_conflicts_total"); v == 0 {
		t.Log("no conflict happened between the two processes this time")
	}
}

func TestIfMatch(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	path := "/v1/users/" + id
	a.do("PATCH", path, a.admin, map[string]any{"first_name": "A"}, hdr{"If-Match": `"1"`}).want(t, 200)
	a.do("PATCH", path, a.admin, map[string]any{"first_name": "B"}, hdr{"If-Match": `"1"`}).problem(t, 412, "precondition-failed")
	a.do("PATCH", path, a.admin, map[string]any{"first_name": "B"}, hdr{"If-Match": `W/"2"`}).problem(t, 412, "precondition-failed")
	a.do("PUT", path+"/role", a.admin, map[string]any{"role": "admin"}, hdr{"If-Match": `"7"`}).problem(t, 412, "precondition-failed")
	a.do("DELETE", path, a.admin, nil, hdr{"If-Match": `"1"`}).problem(t, 412, "precondition-failed")
	r := a.do("PATCH", path, a.admin, map[string]any{"first_name": "B"}, hdr{"If-Match": `"2"`}).want(t, 200)
	if r.Header.Get("ETag") != `"3"` {
		t.Fatalf("ETag %q", r.Header.Get("ETag"))
	}
	a.do("PATCH", path, a.admin, map[string]any{"first_name": "C"}, hdr{"If-Match": "*"}).want(t, 200)
}

func TestIfMatchRequired(t *testing.T) {
	a := start(t, "", func(c *commandapi.Config) { c.RequireIfMatch = true })
	id := a.createUser("grace") // creation needs no If-Match
	path := "/v1/users/" + id
	a.do("PATCH", path, a.admin, map[string]any{"first_name": "A"}, nil).problem(t, 428, "precondition-required")
	a.do("DELETE", path, a.admin, nil, nil).problem(t, 428, "precondition-required")
	a.do("PATCH", path, a.admin, map[string]any{"first_name": "A"}, hdr{"If-Match": `"1"`}).want(t, 200)
}

func TestDuplicateEmailUnderConcurrency(t *testing.T) {
	a := start(t, "")
	const n = 16
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := a.try("POST", "/v1/users", a.admin, map[string]any{"username": fmt.Sprintf("user%d", i),
				"email": "same@example.com", "first_name": "S", "last_name": "Ame", "password": userPassword}, nil)
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- r.Status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[201] != 1 || count[409] != n-1 {
		t.Fatalf("statuses %v: want one 201 and %d 409", count, n-1)
	}
}
