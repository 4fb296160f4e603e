package readmodel

import (
	"embed"

	"github.com/recall-events/recall/pgmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the read-model database's own tables, apart from any projection
// version: projections (which versions exist, which one is live), projector_dead_letters
// (what went to a dead-letter topic) and welcome_emails (the side effect's send log,
// which a rebuild must never clear), and the SELECT grant of command-api's role. A
// version's tables (users_v1, ...) are created by SetupUsers at run time, because a
// rebuild creates them. The version table keeps its historical name, so databases
// migrated before the read models had their own module carry on.
//
//	err := pgmigrate.Up(ctx, url, readmodel.Migrations)
var Migrations = pgmigrate.Set{
	Name:         "readmodel",
	VersionTable: "recall_projector_schema_version",
	FS:           migrationFiles,
	Dir:          "migrations",
}
