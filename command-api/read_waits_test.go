package commandapi_test

import (
	"testing"
	"time"

	commandapi "github.com/recall-events/recall/command-api"
)

// gauge is the value of the unlabelled gauge name on a's registry.
func gauge(t *testing.T, a *api, name string) float64 {
	t.Helper()
	mfs, err := a.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}

// Read-your-writes waits are capped per caller (429) and in total (503), refused at once
// with Retry-After; the waits already held are answered as usual.
func TestReadWaitCaps(t *testing.T) {
	a := start(t, "", func(c *commandapi.Config) { c.MaxReadWaits, c.MaxReadWaitsPerCaller = 5, 3 })
	p := startProjector(t, a)
	grace, bob, carol := a.createUser("grace"), a.createUser("bob"), a.createUser("carol")
	bobTok, carolTok := a.login("bob", userPassword), a.login("carol", userPassword)
	p.project(carol, 0)

	type answer struct {
		r   resp
		err error
	}
	held := make(chan answer, 5)
	hold := func(token, id, minRev string) {
		go func() {
			r, err := a.try("GET", "/v1/users/"+id+"?min_revision="+minRev+"&wait=3s", token, nil, nil)
			held <- answer{r, err}
		}()
	}
	waiters := func(n float64) {
		t.Helper()
		for end := time.Now().Add(10 * time.Second); gauge(t, a, "recall_query_read_your_writes_waiters") != n; {
			if time.Now().After(end) {
				t.Fatalf("waiters = %v, want %v", gauge(t, a, "recall_query_read_your_writes_waiters"), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for range 3 {
		hold(a.admin, grace, "1") // projected below: answered 200
	}
	waiters(3)

	began := time.Now()
	r := a.do("GET", "/v1/users/"+grace+"?min_revision=1&wait=3s", a.admin, nil, nil)
	r.problem(t, 429, "rate-limited")
	if r.Header.Get("Retry-After") != "1" || time.Since(began) > time.Second {
		t.Fatalf("429 after %s, headers %v", time.Since(began), r.Header)
	}

	hold(bobTok, bob, "99") // never reached: 503 projection-lagging after its wait
	hold(bobTok, bob, "99")
	waiters(5)
	r = a.do("GET", "/v1/users/"+carol+"?min_revision=2&wait=3s", carolTok, nil, nil)
	r.problem(t, 503, "unavailable")
	if r.Header.Get("Retry-After") != "1" {
		t.Fatalf("503 headers %v", r.Header)
	}
	// A read that needs no wait is answered whatever the caps.
	a.do("GET", "/v1/users/"+carol+"?min_revision=1", carolTok, nil, nil).want(t, 200)
	p.project(grace, 0)

	statuses := map[int]int{}
	for range 5 {
		got := <-held
		if got.err != nil {
			t.Fatal(got.err)
		}
		statuses[got.r.Status]++
	}
	if statuses[200] != 3 || statuses[503] != 2 {
		t.Fatalf("held waits answered %v, want 3×200 and 2×503", statuses)
	}
	waiters(0)
	if c, tot := counter(t, a, "recall_query_read_your_writes_rejections_total", "reason", "caller"),
		counter(t, a, "recall_query_read_your_writes_rejections_total", "reason", "total"); c != 1 || tot != 1 {
		t.Fatalf("rejections caller %v total %v", c, tot)
	}
	// Places are free again.
	a.do("GET", "/v1/users/"+carol+"?min_revision=2&wait=50ms", carolTok, nil, nil).problem(t, 503, "projection-lagging")
}
