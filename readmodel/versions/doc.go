// Package versions manages the projections table: which versions of each
// projection exist, their state, and which one the query side serves.
//
// A projection version is a name and a number; together they name its tables
// (users_v1), its consumer group (recall.projector.users.v1) and its
// dead-letter topic (recall.projector.users.v1.dlq), so version 2 can be built
// from offset zero beside a live version 1:
//
//	v := versions.For("users", 2, "recall.user.events", "users_v2")
//	err := versions.Ensure(ctx, db, v)           // state building (live if none is)
//	err = versions.Promote(ctx, db, "users", 2)  // v2 live, v1 retired, in one transaction
//	err = versions.MarkDropped(ctx, db, "users", 1)
//
// States: building (consumed, not served), live (consumed and served; at most
// one per name), retired (no longer consumed nor served; its tables stay until
// the replayer drops them and calls MarkDropped). The running projector picks
// up a version's change of state within its reconcile interval, and readmodel
// serves a newly promoted version without a restart.
package versions
