// Package replication streams the events table's inserts from a logical replication slot
// (pgoutput, protocol 1, over the recall_events publication) to a Publisher, and
// acknowledges to PostgreSQL only what the Publisher has made durable.
//
// A Session is one run on one slot:
//
//  1. It takes a session advisory lock named after the slot, so one relay streams a slot
//     and others stand by (ErrStandby) until it dies.
//  2. Without a checkpoint it (re)creates the slot with EXPORT_SNAPSHOT and publishes the
//     rows that existed before, read in that exported snapshot: each row is either in the
//     snapshot or in the stream, never both, never neither.
//  3. It starts replication at its durable checkpoint (relay_checkpoints), decodes each
//     transaction and hands its events to the Publisher in commit order.
//  4. Acks come back in any order; the tracker confirms a transaction's end LSN once it
//     and all earlier ones are acked, then the checkpoint row is updated and the LSN sent
//     in standby status updates — on every keepalive that asks and every StatusInterval,
//     even while it waits for Kafka. The same save records the confirmed transactions
//     (xid, commit LSN, position range) in relay_commits (package commits), so a
//     republish can send recall_commit_lsn again; the server is never told more than
//     the last save holds (acks landing during a save wait for the next one), or a
//     crash would leave those transactions unmapped: the slot does not send them again.
//
// Large transactions: pgoutput protocol 1 sends a transaction once it has committed (the
// walsender spills it to disk until then), and the session never holds more than
// MaxInFlight unacked records; a transaction larger than that is published while it is
// still arriving and acknowledged only after its Commit. Memory is bounded by MaxInFlight,
// not by transaction size, and aborted transactions are never seen (protocol 2 streaming
// would send them, forcing the relay to buffer or to publish events that never happened).
package replication
