// Package rebuild runs the projection lifecycle the replayer offers ops: blue/green
// rebuilds (a new version built from offset zero beside the live one, then promoted and
// the old one retired) and in-place resets for small systems.
//
// A projection version is a row of the projector's projections table; its name and number
// name its tables (users_v2) and consumer group (recall.projector.users.v2). The running
// projector consumes every version in state building or live, so creating version N+1 in
// state building is all a rebuild needs: the projector starts a new group at offset zero.
//
//	m := rebuild.New(pool, adm)
//	v, _ := m.Start(ctx, "users")             // users v2 building
//	st, _ := m.Status(ctx, "users")           // state and lag of each version
//	_ = m.Promote(ctx, "users", 2, 100, false) // live when lag ≤ 100 (or forced)
//	_ = m.Drop(ctx, "users", 1)               // tables dropped, group deleted
//
// Side-effect projections (the welcome email) have their own group and are never part of
// a rebuild: a rebuild cannot send a mail twice.
package rebuild
