// Package users is the users projection: it folds the user stream into the
// read model users_v<N> that package readmodel queries.
//
//	if err := readmodel.SetupUsers(ctx, pool, 1); err != nil { ... } // CREATE TABLE users_v1 ...
//	p, err := users.New(pool, 1, keys) // keys: *subjectkeys.Keyring, opens sealed fields
//	// p is a projection.Handler: hand it to a projection.Runner
//
// # Versions
//
// The table's DDL is Go code keyed by the projection version (readmodel's
// users_table.go, usersDDL), because a blue/green rebuild creates version N+1's
// table at run time, beside the live one. To change the read model, add version
// N+1 there (e.g. with a new column) and, if needed, teach apply.go to fill it;
// version N keeps its own DDL, so both can run side by side until N+1 is promoted.
//
// # Applying
//
// A partition batch is applied in one transaction: the batch's rows are read
// with FOR UPDATE, the events are folded in memory in offset order — apply if
// revision = stored+1, skip if ≤ stored (redelivery), stop at a gap — and the
// changed rows are written back with two set-based statements (INSERT of new
// rows, UPDATE guarded by the revision read). The transaction notifies
// readmodel.NotifyChannel so read-your-writes waiters wake. Events of old
// schema versions are upcast first (schemas/upcast).
//
// # Sealed fields
//
// Personal fields arrive sealed with each person's data key. Before the transaction
// the batch's keys are read in one call (subjectkeys.Keyring.Keys: its cache, then one
// query) and kept for the batch; the fold opens each event's fields with them. A person
// whose key is gone (forgotten) folds with empty fields; a person whose key row is not
// visible yet is a transient error, retried, never taken for forgotten.
package users
