package eventstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// VersionTable records which of the event store's migrations ran. Other modules keep
// their own version tables, so each migrates independently.
const VersionTable = "recall_eventstore_schema_version"

// Migrate brings the database at url up to the newest event store schema. tern holds an
// advisory lock while migrating, so several processes may call it at once.
func Migrate(ctx context.Context, url string) error {
	return MigrateFS(ctx, url, VersionTable, migrationFiles, "migrations")
}

// MigrateFS runs the tern migrations in dir of fsys, tracking them in versionTable. Other
// modules (command-api's credentials, projector's read models) use it for their own sets.
func MigrateFS(ctx context.Context, url, versionTable string, fsys fs.FS, dir string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("eventstore: migrate: connect: %w", err)
	}
	defer conn.Close(ctx)
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return fmt.Errorf("eventstore: migrate: %w", err)
	}
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return fmt.Errorf("eventstore: migrate: %w", err)
	}
	if err := m.LoadMigrations(sub); err != nil {
		return fmt.Errorf("eventstore: migrate: load: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("eventstore: migrate: %w", err)
	}
	return nil
}
