package measure

import (
	"context"
	"sync"
	"time"
)

// openLoop calls send(i, scheduled) for the i-th of rate×d operations at its scheduled
// instant start + i/rate, each in its own goroutine, whatever the earlier ones are doing:
// a slow system cannot slow the arrivals down. Latency measured from scheduled (not from
// the actual send) then counts the time an operation would have waited behind a stall —
// the coordinated omission a closed loop hides. It returns once every send has returned.
func openLoop(ctx context.Context, rate int, d time.Duration, send func(i int, scheduled time.Time)) {
	n := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < n && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		wg.Go(func() { send(i, at) })
	}
	wg.Wait()
}
