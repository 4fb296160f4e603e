package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// StreamRange selects part of one stream. The zero value is the whole stream.
type StreamRange struct {
	FromRevision int64     // first revision wanted (≤ 1: from the start)
	ToRevision   int64     // last revision wanted (0: no bound)
	Until        time.Time // only events recorded at or before this instant (zero: no bound)
}

const eventColumns = `event_id, aggregate_type, aggregate_id, revision, event_type, schema_version,
	recorded_at, data, metadata, global_position`

// ReadStream returns the stream's events in revision order.
func (s *Store) ReadStream(ctx context.Context, id uuid.UUID, r StreamRange) ([]Event, error) {
	to := r.ToRevision
	if to <= 0 {
		to = 1<<63 - 1
	}
	var until *time.Time
	if !r.Until.IsZero() {
		until = &r.Until
	}
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE aggregate_id = $1 AND revision BETWEEN $2 AND $3
		  AND ($4::timestamptz IS NULL OR recorded_at <= $4)
		ORDER BY revision`, id, max(r.FromRevision, 1), to, until)
	if err != nil {
		return nil, fmt.Errorf("eventstore: read stream: %w", err)
	}
	return collectEvents(rows)
}

// ReadAll returns up to limit events with global_position ≥ from, in position order: the
// whole log, for republishing. Positions are insert order, not commit order, so a reader
// that follows the live log must stay behind transactions still open (the relay, which
// reads the WAL in commit order, is the live reader).
func (s *Store) ReadAll(ctx context.Context, from int64, limit int) ([]Event, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE global_position >= $1 ORDER BY global_position LIMIT $2`, from, limit)
	if err != nil {
		return nil, fmt.Errorf("eventstore: read all: %w", err)
	}
	return collectEvents(rows)
}

// StreamRevision is the stream's current revision, 0 when it does not exist.
func (s *Store) StreamRevision(ctx context.Context, id uuid.UUID) (int64, error) {
	var rev int64
	err := s.pool.QueryRow(ctx, `SELECT revision FROM streams WHERE aggregate_id = $1`, id).Scan(&rev)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("eventstore: stream revision: %w", err)
	}
	return rev, nil
}

func collectEvents(rows pgx.Rows) ([]Event, error) {
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Event, error) {
		var e Event
		// Scanning json into []byte copies the bytes; into json.RawMessage pgx would
		// run encoding/json over every value, which was most of a 10k-event load.
		var data, meta []byte
		err := row.Scan(&e.EventID, &e.AggregateType, &e.AggregateID, &e.Revision, &e.EventType,
			&e.SchemaVersion, &e.RecordedAt, &data, &meta, &e.GlobalPosition)
		e.Data, e.Metadata = data, meta
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("eventstore: read: %w", err)
	}
	return events, nil
}
