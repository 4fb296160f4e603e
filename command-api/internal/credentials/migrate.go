package credentials

import (
	"embed"

	"github.com/recall-events/recall/pgmigrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// VersionTable records command-api's own migrations, apart from the event store's.
const VersionTable = "recall_command_api_schema_version"

// Migrations create or update the credentials table.
var Migrations = pgmigrate.Set{Name: "credentials", VersionTable: VersionTable, FS: migrationFiles, Dir: "migrations"}
