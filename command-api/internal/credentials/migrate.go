package credentials

import (
	"context"
	"embed"

	"github.com/recall-events/recall/eventstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// VersionTable records command-api's own migrations, apart from the event store's.
const VersionTable = "recall_command_api_schema_version"

// Migrate creates or updates the credentials table at url.
func Migrate(ctx context.Context, url string) error {
	return eventstore.MigrateFS(ctx, url, VersionTable, migrationFiles, "migrations")
}
