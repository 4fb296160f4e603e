package migrations

import (
	"context"
	"embed"

	"github.com/recall-events/recall/eventstore"
)

//go:embed sql/*.sql
var files embed.FS

// VersionTable tracks which of the projector's migrations ran.
const VersionTable = "recall_projector_schema_version"

// Up brings the database at url to the newest projector schema. tern holds an
// advisory lock, so several projector instances may start at once.
func Up(ctx context.Context, url string) error {
	return eventstore.MigrateFS(ctx, url, VersionTable, files, "sql")
}
