package readmodel_test

import (
	"testing"
	"time"
)

// BenchmarkThousandWaiters: 1,000 concurrent read-your-writes waits on distinct users,
// then 10 unrelated batches and 10 batches of 100 that reach them. Reported: the queries
// run after the waits registered (one per batch naming waited users, not per waiter),
// and each wait's first read.
func BenchmarkThousandWaiters(b *testing.B) {
	const waiters, batches = 1000, 10
	pool, w := setup(b)
	s, q := countingStore(b, pool)
	var after, first int64
	for n := 0; b.Loop(); n++ {
		base := 1_000_000 * (n + 1)
		mark0 := q.n.Load()
		outs := make([]<-chan outcome, waiters)
		for i := range outs {
			outs[i] = waitAsync(s, userID(base+i), 1, 30*time.Second)
		}
		waitFor(b, "waiters, listening", listening(s, waiters))
		mark := q.firstReads(b, int64(waiters*(n+1)))
		for i := range batches {
			writeRows(b, pool, w, 1, userID(base+900_000+i))
		}
		for batch := range batches {
			ids := make([]string, waiters/batches)
			for i := range ids {
				ids[i] = userID(base + batch*len(ids) + i)
			}
			writeRows(b, pool, w, 1, ids...)
		}
		for i, o := range outs {
			if r := <-o; r.err != nil {
				b.Fatalf("waiter %d: %v", i, r.err)
			}
		}
		n, _ := q.since(mark)
		after += n
		first += mark - mark0
	}
	b.ReportMetric(float64(after)/float64(b.N), "queries-after-register/op")
	b.ReportMetric(float64(first)/float64(b.N), "first-reads/op")
	b.ReportMetric(float64(after+first)/float64(b.N)/waiters, "queries/waiter")
}
