package commandapi_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recall-events/recall/devstack/postgres"
)

// A PostgreSQL restart under load answers 503 unavailable with Retry-After (and /readyz
// 503 while it lasts), never 500: clients that retry only on 503 ride it out. Before,
// refused and reset connections and SQLSTATE 57P01/57P03 were 500 internal.
func TestDatabaseRestartIsUnavailableNotInternal(t *testing.T) {
	ctx := context.Background()
	pg, err := postgres.Start(ctx, postgres.Options{Settings: map[string]string{"fsync": "off"}})
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	a := start(t, pg.DatabaseURL())
	ids := []string{a.createUser("outage0"), a.createUser("outage1"), a.createUser("outage2")}

	var (
		stop                        atomic.Bool
		wg                          sync.WaitGroup
		mu                          sync.Mutex
		byStatus                    = map[int]int{}
		internal, noRetry, notReady []string
		spec                        []string
	)
	for w := range 6 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				var r resp
				var err error
				if w%3 == 0 {
					r, err = a.try("GET", "/v1/users/"+ids[i%3], a.admin, nil, nil)
				} else {
					r, err = a.try("PATCH", "/v1/users/"+ids[i%3], a.admin, map[string]any{"first_name": fmt.Sprintf("N%d", i)},
						hdr{"Idempotency-Key": fmt.Sprintf("outage-%d-%d", w, i)})
				}
				if err != nil && r.Status == 0 {
					continue // the client's own transport error: not an answer
				}
				mu.Lock()
				if err != nil {
					spec = append(spec, err.Error())
				}
				byStatus[r.Status]++
				switch {
				case r.Status >= 500 && r.Status != http.StatusServiceUnavailable:
					internal = append(internal, fmt.Sprintf("%d %s", r.Status, r.Body))
				case r.Status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") == "":
					noRetry = append(noRetry, string(r.Body))
				}
				mu.Unlock()
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	down := make(chan struct{})
	go func() { // /readyz during the outage
		defer close(down)
		for !stop.Load() {
			r, err := a.try("GET", "/readyz", "", nil, nil)
			if err == nil && r.Status == http.StatusServiceUnavailable {
				mu.Lock()
				notReady = append(notReady, string(r.Body))
				mu.Unlock()
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	for range 2 {
		if err := pg.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	<-down
	t.Logf("answers by status: %v", byStatus)
	if len(internal) > 0 {
		t.Errorf("%d answers were 5xx other than 503, e.g. %s", len(internal), internal[0])
	}
	if len(noRetry) > 0 {
		t.Errorf("%d 503s without Retry-After, e.g. %s", len(noRetry), noRetry[0])
	}
	if len(spec) > 0 {
		t.Errorf("%d answers do not match openapi.json, e.g. %s", len(spec), spec[0])
	}
	if byStatus[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no 503 during the restarts: the outage was not exercised")
	}
	if len(notReady) == 0 {
		t.Errorf("/readyz never said 503 during the restarts")
	}
	// Afterwards everything works again.
	a.do("PATCH", "/v1/users/"+ids[0], a.admin, map[string]any{"first_name": "After"}, nil).want(t, 200)
}
