package eventstore

import (
	"embed"

	"github.com/recall-events/recall/pgmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// VersionTable records which of the event store's migrations ran. Other parts keep
// their own version tables, so each migrates independently.
const VersionTable = "recall_eventstore_schema_version"

// Migrations are the event store's tables (events, streams, claims, idempotency records,
// snapshots), its immutability trigger, publication and the recall_api role:
//
//	err := pgmigrate.Up(ctx, url, eventstore.Migrations)
var Migrations = pgmigrate.Set{Name: "eventstore", VersionTable: VersionTable, FS: migrationFiles, Dir: "migrations"}
