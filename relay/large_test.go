package relay_test

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestLargeTransaction commits 200k events in one transaction under a relay process with
// a small in-flight bound: everything arrives, and the relay's memory stays bounded
// because it publishes the transaction while it arrives and acknowledges it after its
// Commit (it never holds the transaction).
func TestLargeTransaction(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	if v, err := strconv.Atoi(os.Getenv("RECALL_LARGE_TX_EVENTS")); err == nil && v > 0 {
		n = v
	}
	e := newEnv(t)
	p := e.startProcess("RECALL_RELAY_MAX_IN_FLIGHT=5000")
	waitFor(t, 60*time.Second, "/readyz", p.ready)
	start := time.Now()
	e.bulkInsert(n, 100, n)
	inserted := time.Since(start)
	c := e.consume(n, 5*time.Minute)
	took := time.Since(start)
	c.checkOrder(t)
	t.Logf("relay memory: %s", p.memStats())
	rss := p.signal(syscall.SIGTERM)
	t.Logf("%d-event transaction: inserted in %v, all in Kafka %v after the insert began; relay peak RSS %.1f MiB",
		n, inserted.Round(time.Millisecond), took.Round(time.Millisecond), float64(rss)/(1<<20))
	if rss > 150<<20 {
		t.Fatalf("relay peak RSS %d MiB > 150 MiB", rss>>20)
	}
}
