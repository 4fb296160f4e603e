// Package credentials keeps password hashes out of the event log. The hashes live in the
// credentials table, one row per user, written by command handlers inside the event
// store's append transaction (eventstore.AppendRequest.Within), so an event saying
// "password changed" and the new hash commit together or not at all.
//
//	h := credentials.NewHasher(credentials.DefaultParams)
//	hash, _ := h.Hash(ctx, password)           // argon2id, PHC string
//	_ = credentials.Put(ctx, tx, id, username, role, hash) // inside the append transaction
//	ok, _ := h.Verify(ctx, password, hash)
//
// Hashing is argon2id with OWASP's second recommended setting (19 MiB, 2 passes, 1 lane):
// tens of milliseconds of one core and 19 MiB per hash. BenchmarkCreateUser measured ≈18
// creates/s with 32 clients on a shared, busy 2-core machine. A semaphore
// of GOMAXPROCS bounds concurrent hashes and the queue behind it is bounded too
// (ErrBusy beyond it), so a burst of logins neither allocates 19 MiB per request
// without limit nor makes every other request wait. Params.Validate refuses
// settings below OWASP's floor; hashes made with other settings still verify
// and NeedsRehash says to store a new one.
//
// The table login_failures counts failed password checks per username (known or
// not, so a lockout tells nothing about existence): RecordFailure, LockedFor and
// ClearFailures implement an exponential lockout that every instance shares.
//
// Common reports passwords of a shipped list of commonly used ones.
//
// Nothing in this package logs, and no error it returns contains a password or hash.
package credentials
