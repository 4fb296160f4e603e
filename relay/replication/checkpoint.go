package replication

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/relay/commits"
	"github.com/recall-events/recall/relay/migrations"
)

// Migrate creates the relay's tables (relay_checkpoints, relay_commits) when missing.
func Migrate(ctx context.Context, url string) error {
	if err := pgmigrate.Up(ctx, url, migrations.Set); err != nil {
		return fmt.Errorf("replication: %w", err)
	}
	return nil
}

// LoadCheckpoint returns the slot's checkpoint; ok is false when there is none (the
// initial snapshot has not completed).
func LoadCheckpoint(ctx context.Context, conn *pgx.Conn, slot string) (lsn pglogrepl.LSN, ok bool, err error) {
	var text string
	err = conn.QueryRow(ctx, "SELECT lsn::text FROM relay_checkpoints WHERE slot_name = $1", slot).Scan(&text)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("replication: load checkpoint: %w", err)
	}
	lsn, err = pglogrepl.ParseLSN(text)
	if err != nil {
		return 0, false, fmt.Errorf("replication: checkpoint of %s: %w", slot, err)
	}
	return lsn, true, nil
}

// saveCheckpoint stores lsn, never moving a checkpoint backwards, and the relay_commits
// rows of cs: one round trip, one (implicit) transaction.
func saveCheckpoint(ctx context.Context, conn *pgx.Conn, slot string, lsn pglogrepl.LSN, cs []commits.Commit) error {
	var b pgx.Batch
	commits.Queue(&b, cs)
	b.Queue(`
		INSERT INTO relay_checkpoints (slot_name, lsn) VALUES ($1, $2::text::pg_lsn)
		ON CONFLICT (slot_name) DO UPDATE SET lsn = greatest(relay_checkpoints.lsn, excluded.lsn), updated_at = now()`,
		slot, lsn.String())
	if err := conn.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("replication: save checkpoint %s (%d commits): %w", lsn, len(cs), err)
	}
	return nil
}
