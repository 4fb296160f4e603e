// Package eventstore is Recall's PostgreSQL event store: the source of truth.
//
// Every change to an aggregate is an immutable event in the events table, numbered by a
// gapless revision per stream (aggregate id). Appends are optimistic: the caller says which
// revision it expects, and a stale expectation fails with a *ConcurrencyError instead of
// overwriting or leaving a gap.
//
//	if err := pgmigrate.Up(ctx, url, eventstore.Migrations); err != nil { ... }
//	store := eventstore.New(pool)
//	res, err := store.Append(ctx, eventstore.AppendRequest{
//		AggregateType: "user",
//		AggregateID:   id,
//		Expected:      eventstore.Exactly(4), // or NoStream, Any
//		Events:        []eventstore.NewEvent{{EventType: "UserUpdated", SchemaVersion: 1, Data: data, Metadata: meta}},
//		Claims:        []eventstore.Claim{{Kind: "email", Value: "ada@example.com"}},
//		Releases:      []eventstore.Claim{{Kind: "email", Value: "old@example.com"}},
//	})
//	switch {
//	case errors.Is(err, eventstore.ErrConcurrency): // someone else wrote first: reload, decide again
//	case errors.Is(err, eventstore.ErrClaimTaken):  // the email belongs to another user
//	}
//
// One append is one transaction holding the events, the unique claims taken and released,
// an idempotency record (so a retried request gets the first answer), an optional
// snapshot and any rows the caller adds through Within (command-api's credentials).
//
// Reads: ReadStream (a revision range, or everything recorded up to an instant for time
// travel), ReadAll (the whole log by global position, for republishing), LoadSnapshot (the
// newest snapshot of a state version at or before a revision or instant).
//
// The table refuses UPDATE, DELETE and TRUNCATE (a trigger, SQLSTATE RC001) and the role
// recall_api may only insert and select events. The publication recall_events, inserts
// only, is what the relay streams through logical replication.
package eventstore
