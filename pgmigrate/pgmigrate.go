package pgmigrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

// Set is one owner's migrations: the tern SQL files in Dir of FS, recorded in VersionTable.
type Set struct {
	Name         string // for error messages: "eventstore", "relay", ...
	VersionTable string
	FS           fs.FS
	Dir          string // "." when the files sit at FS's root
}

// Up brings the database at url to the newest version of each set, in order, over one
// connection.
func Up(ctx context.Context, url string, sets ...Set) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("pgmigrate: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, s := range sets {
		if err := s.up(ctx, conn); err != nil {
			return err
		}
	}
	return nil
}

func (s Set) up(ctx context.Context, conn *pgx.Conn) error {
	if s.VersionTable == "" || s.FS == nil {
		return fmt.Errorf("pgmigrate: %s: %w", s.Name, errors.New("a set needs a version table and files"))
	}
	sub, err := fs.Sub(s.FS, s.Dir)
	if err != nil {
		return fmt.Errorf("pgmigrate: %s: %w", s.Name, err)
	}
	m, err := migrate.NewMigrator(ctx, conn, s.VersionTable)
	if err != nil {
		return fmt.Errorf("pgmigrate: %s: %w", s.Name, err)
	}
	if err := m.LoadMigrations(sub); err != nil {
		return fmt.Errorf("pgmigrate: %s: load: %w", s.Name, err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("pgmigrate: %s: %w", s.Name, err)
	}
	return nil
}
