package projection

import (
	"math/rand/v2"
	"time"
)

// Backoff is exponential with jitter above a floor: attempt n (0-based) waits
// a uniform random duration in [Base/2, min(Max, Base·2ⁿ)]. Not "full jitter"
// (which starts at 0): the floor keeps a retry from firing at once, and the
// spread keeps instances retrying the same outage out of step. Never more
// than Max. Its own on purpose: a stateless Delay(attempt) that the runner keeps per
// partition, with Base and Max from flags (the relay's is one stateful loop's).
type Backoff struct {
	Base time.Duration // default 100ms
	Max  time.Duration // default 30s
}

func (b Backoff) withDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = 100 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = 30 * time.Second
	}
	if b.Max < b.Base {
		b.Max = b.Base
	}
	return b
}

// Delay is the wait before retry number attempt (0-based).
func (b Backoff) Delay(attempt int) time.Duration {
	b = b.withDefaults()
	ceil := b.Max
	if attempt < 30 {
		if d := b.Base << attempt; d > 0 && d < ceil {
			ceil = d
		}
	}
	floor := b.Base / 2
	if ceil <= floor {
		return ceil
	}
	return floor + rand.N(ceil-floor+1)
}
