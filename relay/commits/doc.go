// Package commits is the relay_commits mapping: for every transaction the relay has
// published (and checkpointed), its xid, the commit LSN it sent as recall_commit_lsn and
// the first and last global_position of its events; for the initial snapshot, the
// slot's consistent point and the runs of positions it published. It is stored as one
// relay_commit_batches row of arrays per checkpoint save, and relay_commits is a view
// with one row per transaction (relay migration 002 explains the join).
//
// The relay writes it (Queue, in the batch that saves its checkpoint); the replayer
// reads it to republish events with the headers the relay sent:
//
//	lsns, err := commits.LSNs(ctx, pool, 1000, 1999) // position → commit LSN
//	rec, err := builder.Build(event, lsns[event.GlobalPosition].String())
//
// An event the relay has not published (or published before relay_commits existed) has
// no entry; Unmapped counts them.
package commits
