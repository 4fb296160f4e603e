// Package seed writes the data the measurements start from, fast and without going
// through command-api (whose password hashing would dominate): users appended through
// the event store with their unique claims, and backlogs of whole user streams inserted
// with SQL in fixed-size transactions, the way a burst of writes reaches the relay.
//
//	ids, err := seed.Users(ctx, store, "a", 10_000)
//	ids, err := seed.Streams(ctx, pool, seed.Backlog{Streams: 10_000, PerStream: 100, PerTx: 100})
package seed
