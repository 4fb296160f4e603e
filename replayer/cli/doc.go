// Package cli is the replayer's command line (cobra): offset inspection and resets,
// projection rebuilds and republishing. It writes to the io.Writers it is given, so tests
// run commands in-process and read what an operator would see.
//
//	replayer offsets describe --group recall.projector.users.v1
//	replayer offsets reset --group recall.projector.users.v1 --to-datetime 2026-03-15T15:47:00Z          # plan only
//	replayer offsets reset --group recall.projector.users.v1 --to-datetime 2026-03-15T15:47:00Z --execute
//
//	replayer stream export 0192f0a8-6f1e-7c3a-9d1e-5b6c7d8e9f00 --until 2026-11-30T15:47:00Z > case.json
//
// stream export writes the stable recall.stream.v1 JSON of the eventstore/streamfile
// package, always (not a table).
//
// Output is a table by default and JSON with -o json. Every executed operation is
// recorded in the ops_log table of the database at --database-url.
package cli
