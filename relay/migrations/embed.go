// Package migrations holds the relay's own schema: the relay_checkpoints table and the
// relay_commits mapping of published transactions (read by package commits).
package migrations

import "embed"

// FS holds the SQL files, run by eventstore.MigrateFS under VersionTable.
//
//go:embed *.sql
var FS embed.FS

// VersionTable tracks the relay's migrations apart from the event store's.
const VersionTable = "recall_relay_schema_version"
