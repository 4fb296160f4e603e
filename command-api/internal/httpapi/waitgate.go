package httpapi

import (
	"fmt"
	"sync"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/metrics"
)

// The default caps of read-your-writes waits held at once by one process. A wait costs
// no query while it waits (readmodel wakes it by notification), but it holds a request,
// a goroutine and a socket: the caps keep one caller, or all of them, from holding
// unbounded numbers.
const (
	DefaultMaxReadWaits          = 4096
	DefaultMaxReadWaitsPerCaller = 256
)

// waitGate admits read-your-writes waits up to a cap per caller (the token's subject)
// and in total; beyond them it refuses at once.
type waitGate struct {
	maxTotal, maxPerCaller int

	mu        sync.Mutex
	total     int
	perCaller map[uuid.UUID]int
}

func newWaitGate(maxTotal, maxPerCaller int) *waitGate {
	if maxTotal <= 0 {
		maxTotal = DefaultMaxReadWaits
	}
	if maxPerCaller <= 0 {
		maxPerCaller = DefaultMaxReadWaitsPerCaller
	}
	return &waitGate{maxTotal: maxTotal, maxPerCaller: maxPerCaller, perCaller: map[uuid.UUID]int{}}
}

// retryRefused is the Retry-After of a refused wait: waits last at most 10 s and
// usually milliseconds, so places free up quickly.
const retryRefused = "1"

// admit takes a place for caller's wait; call release when the wait ends. A refusal is
// a *Problem: 429 rate-limited when caller holds its cap, 503 unavailable when the
// process holds its total; both with Retry-After.
func (g *waitGate) admit(caller uuid.UUID) (release func(), reason string, p *Problem) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.perCaller[caller] >= g.maxPerCaller:
		p = problem(429, KindRateLimited,
			fmt.Sprintf("this caller already holds %d read-your-writes waits; retry after one ends", g.maxPerCaller))
		p.retryAfter = retryRefused
		return nil, metrics.RejectCaller, p
	case g.total >= g.maxTotal:
		p = problem(503, KindUnavailable, "this server holds as many read-your-writes waits as it takes; retry shortly")
		p.retryAfter = retryRefused
		return nil, metrics.RejectTotal, p
	}
	g.total++
	g.perCaller[caller]++
	var once sync.Once
	return func() { once.Do(func() { g.leave(caller) }) }, "", nil
}

func (g *waitGate) leave(caller uuid.UUID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total--
	if g.perCaller[caller]--; g.perCaller[caller] <= 0 {
		delete(g.perCaller, caller)
	}
}
