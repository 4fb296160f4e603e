package readmodel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/recall-events/recall/readmodel/versions"
)

// VersionHealth is one projection version as the health view shows it.
type VersionHealth struct {
	versions.Version
	// Rows and Events are what a users version holds: its rows and the sum of their
	// revisions (the events it applied); both -1 when the version has no users table
	// to count (another projection, or tables dropped).
	Rows, Events int64
	// NewestEvent is the newest recorded_at the version applied (updated_at), if any.
	NewestEvent *time.Time
}

// DeadLetters counts the open dead letters (not yet retried or discarded) of one
// projection (its projections-table name and version, e.g.
// users.v1, or a side effect such as welcome-email) dead-lettered.
type DeadLetters struct {
	Projection string
	Count      int64
	Last       time.Time
}

// Health is every projection version and the dead letters of every projection.
type Health struct {
	Versions    []VersionHealth
	DeadLetters []DeadLetters
}

// DeadLetterName is the name a version's runner records dead letters under.
func DeadLetterName(name string, version int) string { return name + ".v" + strconv.Itoa(version) }

// Health reads the projections and projector_dead_letters tables and counts each users
// version's rows. Before the projector's first start (no tables yet) it is
// ErrNoLiveVersion.
func (s *Store) Health(ctx context.Context) (Health, error) {
	var h Health
	vs, err := versions.List(ctx, s.pool, Projection)
	if undefinedTable(err) {
		return h, ErrNoLiveVersion
	}
	if err != nil {
		return h, fmt.Errorf("readmodel: health: %w", err)
	}
	for _, v := range vs {
		vh, err := s.versionHealth(ctx, v)
		if err != nil {
			return h, err
		}
		h.Versions = append(h.Versions, vh)
	}
	h.DeadLetters, err = s.deadLetters(ctx)
	return h, err
}

func (s *Store) versionHealth(ctx context.Context, v versions.Version) (VersionHealth, error) {
	vh := VersionHealth{Version: v, Rows: -1, Events: -1}
	if v.DroppedAt != nil || !UsersSupported(v.Version) {
		return vh, nil
	}
	table := pgx.Identifier{UsersTable(v.Version)}.Sanitize()
	err := s.pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(revision), 0)::bigint, max(updated_at) FROM `+table).
		Scan(&vh.Rows, &vh.Events, &vh.NewestEvent)
	if undefinedTable(err) {
		return VersionHealth{Version: v, Rows: -1, Events: -1}, nil
	}
	if err != nil {
		return vh, fmt.Errorf("readmodel: health of %s: %w", table, err)
	}
	return vh, nil
}

func (s *Store) deadLetters(ctx context.Context) ([]DeadLetters, error) {
	rows, err := s.pool.Query(ctx, `SELECT projection, count(*), max(last_failed_at) FROM projector_dead_letters
		WHERE resolved_at IS NULL GROUP BY projection ORDER BY projection`)
	if err != nil {
		return nil, fmt.Errorf("readmodel: dead letters: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeadLetters, error) {
		var d DeadLetters
		err := r.Scan(&d.Projection, &d.Count, &d.Last)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("readmodel: dead letters: %w", err)
	}
	return out, nil
}

func undefinedTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42P01"
}
