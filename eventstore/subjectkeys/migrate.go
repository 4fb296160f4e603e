package subjectkeys

import (
	"embed"

	"github.com/recall-events/recall/pgmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// VersionTable records this package's migrations, apart from the event store's.
const VersionTable = "recall_subject_keys_schema_version"

// Migrations create subject_keys and server_keys:
//
//	err := pgmigrate.Up(ctx, url, eventstore.Migrations, subjectkeys.Migrations)
var Migrations = pgmigrate.Set{Name: "subjectkeys", VersionTable: VersionTable, FS: migrationFiles, Dir: "migrations"}
