package throttle

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Rate is a token bucket: PerMinute tokens a minute, at most Burst at once. PerMinute ≤ 0
// disables the limit.
type Rate struct {
	PerMinute float64
	Burst     int
}

// Keyed is one token bucket per key, for at most maxKeys keys.
type Keyed struct {
	rate    Rate
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// New returns a keyed limiter; maxKeys < 1 means 100 000.
func New(r Rate, maxKeys int) *Keyed {
	if maxKeys < 1 {
		maxKeys = 100_000
	}
	return &Keyed{rate: r, maxKeys: maxKeys, now: time.Now, buckets: map[string]*rate.Limiter{}}
}

// Allow takes a token of key's bucket; when there is none it takes nothing and says how
// long until there is one.
func (k *Keyed) Allow(key string) (ok bool, retryAfter time.Duration) {
	if k == nil || k.rate.PerMinute <= 0 {
		return true, 0
	}
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.buckets[key]
	if b == nil {
		k.makeRoom(now)
		b = rate.NewLimiter(rate.Limit(k.rate.PerMinute/60), max(k.rate.Burst, 1))
		k.buckets[key] = b
	}
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// makeRoom, when the map is full, drops the buckets that are full again (their keys
// were idle long enough to be forgotten without giving anything away), and if that is
// not enough, arbitrary ones: memory stays bounded under a flood of keys.
func (k *Keyed) makeRoom(now time.Time) {
	if len(k.buckets) < k.maxKeys {
		return
	}
	for key, b := range k.buckets {
		if b.TokensAt(now) >= float64(b.Burst()) {
			delete(k.buckets, key)
		}
	}
	for key := range k.buckets {
		if len(k.buckets) < k.maxKeys*9/10 {
			break
		}
		delete(k.buckets, key)
	}
}

// Len is the number of keys tracked.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}
