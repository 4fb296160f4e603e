// Package pgmigrate is Recall's one migration runner: every part that owns tables (the
// event store, command-api's credentials, the relay's checkpoints, the read models)
// declares a Set — its embedded SQL files and the table that records which of them ran —
// and calls Up with it, the same way, at start or from a migration Job.
//
//	//go:embed migrations/*.sql
//	var files embed.FS
//
//	var Migrations = pgmigrate.Set{Name: "eventstore", VersionTable: "recall_eventstore_schema_version", FS: files, Dir: "migrations"}
//
//	err := pgmigrate.Up(ctx, databaseURL, eventstore.Migrations)
//
// Each set keeps its own version table, so the parts migrate independently (and may
// live in different databases). tern takes an advisory lock while migrating, so several
// processes may run Up on the same database at once.
package pgmigrate
