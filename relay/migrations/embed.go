// Package migrations holds the relay's own schema: the relay_checkpoints table and the
// relay_commits mapping of published transactions (read by package commits).
package migrations

import (
	"embed"

	"github.com/recall-events/recall/pgmigrate"
)

//go:embed *.sql
var files embed.FS

// VersionTable tracks the relay's migrations apart from the event store's.
const VersionTable = "recall_relay_schema_version"

// Set is the relay's migrations, run with pgmigrate.Up like every part's.
var Set = pgmigrate.Set{Name: "relay", VersionTable: VersionTable, FS: files, Dir: "."}
