// Package throttle limits how often one key (a client address, a username) may do
// something: a token bucket per key (golang.org/x/time/rate), in a map bounded in size so
// that a flood of distinct keys costs bounded memory.
//
//	per := throttle.New(throttle.Rate{PerMinute: 30, Burst: 10}, 100_000)
//	if ok, wait := per.Allow(clientIP); !ok {
//		// answer 429 with Retry-After: wait
//	}
//
// The buckets live in one process: with N instances behind a load balancer a client
// gets up to N times the rate. Lockouts that must hold across instances are kept in the
// database instead (credentials.RecordFailure).
package throttle
