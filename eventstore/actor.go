package eventstore

import (
	"context"
	"fmt"
	"time"
)

// ActorQuery selects one page of the events an actor caused, newest first.
type ActorQuery struct {
	// ActorID is metadata.actor_id: a user id, or "system"/"operator".
	ActorID string
	// Before, when > 0, keeps events with global_position < Before: the cursor of the
	// next page is the position of the last event of the previous one.
	Before int64
	// Limit bounds the page (≤ 0: 50).
	Limit int
}

// ReadByActor returns the events whose metadata names q.ActorID, newest (highest
// global_position) first. The index events_actor_position serves it, so a page costs
// the same however long the actor's record is.
//
// Positions are insert order, not commit order: a page read while an older transaction
// is still open may miss its events (they appear later, below the cursor already read).
// For an audit view of the past that is acceptable; live followers read the WAL.
func (s *Store) ReadByActor(ctx context.Context, q ActorQuery) ([]Event, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	before := q.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.pool.Query(ctx, `SELECT `+eventColumns+` FROM events
		WHERE metadata->>'actor_id' = $1 AND global_position < $2
		ORDER BY metadata->>'actor_id', global_position DESC LIMIT $3`, q.ActorID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("eventstore: read by actor: %w", err)
	}
	return collectEvents(rows)
}

// Totals are how many streams of one aggregate type exist and how many events they hold
// (the sum of their revisions): what a complete projection of that type has applied.
type Totals struct {
	Streams int64
	Events  int64
	// Newest is the recorded_at of the newest event of any type (zero: none), read from
	// the primary key's end rather than by scanning one type's events.
	Newest time.Time
}

// TotalsOf counts the streams of aggregateType and their events, from the streams table
// (one row per stream), not by counting events.
func (s *Store) TotalsOf(ctx context.Context, aggregateType string) (Totals, error) {
	var t Totals
	err := s.pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(revision), 0)::bigint FROM streams WHERE aggregate_type = $1`,
		aggregateType).Scan(&t.Streams, &t.Events)
	if err == nil {
		var newest *time.Time
		err = s.pool.QueryRow(ctx, `SELECT max(recorded_at) FROM (SELECT recorded_at FROM events ORDER BY global_position DESC LIMIT 1) AS e`).Scan(&newest)
		if newest != nil {
			t.Newest = *newest
		}
	}
	if err != nil {
		return Totals{}, fmt.Errorf("eventstore: totals of %s: %w", aggregateType, err)
	}
	return t, nil
}
