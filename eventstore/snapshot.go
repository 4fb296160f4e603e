package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Snapshot is an aggregate's state after Revision, recorded as of the instant of that
// revision's event. StateVersion is the aggregate's state format: readers ask for the
// version they understand and never see another.
type Snapshot struct {
	AggregateID   uuid.UUID
	AggregateType string
	Revision      int64
	StateVersion  int
	State         json.RawMessage
	AsOf          time.Time
}

// SaveSnapshot stores s outside any append; an existing snapshot at that revision wins.
func (s *Store) SaveSnapshot(ctx context.Context, snap Snapshot) error {
	return saveSnapshot(ctx, s.pool, snap)
}

// execer is what a snapshot write needs: the pool, or the append's transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func saveSnapshot(ctx context.Context, db execer, snap Snapshot) error {
	if !json.Valid(snap.State) {
		return fmt.Errorf("%w: snapshot state is not valid JSON", ErrInvalidAppend)
	}
	_, err := db.Exec(ctx, `INSERT INTO snapshots (aggregate_id, revision, aggregate_type, state_version, state, as_of)
		VALUES ($1, $2, $3, $4, $5::json, $6) ON CONFLICT DO NOTHING`,
		snap.AggregateID, snap.Revision, snap.AggregateType, snap.StateVersion, string(snap.State), snap.AsOf)
	if err != nil {
		return fmt.Errorf("eventstore: save snapshot: %w", err)
	}
	return nil
}

// SnapshotQuery selects the newest usable snapshot of a stream.
type SnapshotQuery struct {
	StateVersion int       // only snapshots of this state format
	MaxRevision  int64     // at or before this revision (0: no bound)
	AsOf         time.Time // taken of a state at or before this instant (zero: no bound)
}

// LoadSnapshot returns the newest snapshot matching q, or nil when there is none.
func (s *Store) LoadSnapshot(ctx context.Context, id uuid.UUID, q SnapshotQuery) (*Snapshot, error) {
	maxRev := q.MaxRevision
	if maxRev <= 0 {
		maxRev = 1<<63 - 1
	}
	var asOf *time.Time
	if !q.AsOf.IsZero() {
		asOf = &q.AsOf
	}
	snap := Snapshot{AggregateID: id, StateVersion: q.StateVersion}
	err := s.pool.QueryRow(ctx, `SELECT revision, aggregate_type, state, as_of FROM snapshots
		WHERE aggregate_id = $1 AND state_version = $2 AND revision <= $3
		  AND ($4::timestamptz IS NULL OR as_of <= $4)
		ORDER BY revision DESC LIMIT 1`, id, q.StateVersion, maxRev, asOf).
		Scan(&snap.Revision, &snap.AggregateType, &snap.State, &snap.AsOf)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("eventstore: load snapshot: %w", err)
	}
	return &snap, nil
}
