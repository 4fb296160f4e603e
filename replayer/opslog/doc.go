// Package opslog records every operation the replayer executes (who, what, when, the plan
// and how it ended) in the ops_log table, so that "who rewound the projector last night?"
// has an answer in the database and not only in someone's terminal scrollback.
//
//	log, _ := opslog.Open(ctx, databaseURL) // migrates ops_log
//	err := log.Record(ctx, opslog.Entry{Actor: "alice", Operation: "offsets reset", Args: args, Plan: plan}, runErr)
package opslog
