package eventstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Positions in the log, for tools that walk it in global_position order (the replayer's
// republish). global_position is the insert order, not the commit order: see SettledEnd.

// PositionAt returns the first position recorded at or after t, or one past the newest
// event when none is (1 on an empty store).
func (s *Store) PositionAt(ctx context.Context, t time.Time) (int64, error) {
	var pos int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(min(global_position) FILTER (WHERE recorded_at >= $1),
		max(global_position) + 1, 1) FROM events`, t).Scan(&pos)
	if err != nil {
		return 0, fmt.Errorf("eventstore: position at %s: %w", t.Format(time.RFC3339), err)
	}
	return pos, nil
}

// SettledEnd returns the newest committed position once every transaction that may still
// insert a lower one has ended: positions are taken at insert, in insert order, but
// become visible at commit, so a reader at the tail could otherwise pass over a lower
// position committed a moment later. It takes an xid of its own 50 ms after reading the
// position (so that an insert which already drew its position has its xid by then) and
// waits, at most timeout, until no transaction older than that xid is running.
//
// Why its own xid and not the snapshot's xmax: since PostgreSQL 14 a snapshot's xmax is
// one past the latest *completed* xid, so a running transaction whose xid is above every
// completed one is not below xmax and would not be waited for (TestSettledEndWaitsForOpenTransactions shows it).
func (s *Store) SettledEnd(ctx context.Context, timeout time.Duration) (int64, error) {
	var to int64
	if err := s.pool.QueryRow(ctx, "SELECT coalesce(max(global_position), 0) FROM events").Scan(&to); err != nil {
		return 0, fmt.Errorf("eventstore: newest position: %w", err)
	}
	if err := sleep(ctx, 50*time.Millisecond); err != nil {
		return 0, err
	}
	var xid string
	if err := s.pool.QueryRow(ctx, "SELECT pg_current_xact_id()::text").Scan(&xid); err != nil {
		return 0, fmt.Errorf("eventstore: snapshot: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		var done bool
		err := s.pool.QueryRow(ctx, "SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::text::xid8", xid).Scan(&done)
		if err != nil {
			return 0, fmt.Errorf("eventstore: wait for open transactions: %w", err)
		}
		if done {
			return to, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("eventstore: transactions older than xid %s still open after %v (a long transaction holds the tail of the log back)", xid, timeout)
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// TypeCount is how many events of one aggregate type a range holds.
type TypeCount struct {
	AggregateType string
	Events        int64
}

// CountByType counts the events with positions in [from, to] per aggregate type, in
// type order; aggregateType "" counts every type, otherwise only that one.
func (s *Store) CountByType(ctx context.Context, from, to int64, aggregateType string) ([]TypeCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT aggregate_type, count(*) FROM events
		WHERE global_position BETWEEN $1 AND $2 AND ($3 = '' OR aggregate_type = $3)
		GROUP BY aggregate_type ORDER BY aggregate_type`, from, to, aggregateType)
	if err != nil {
		return nil, fmt.Errorf("eventstore: count events: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[TypeCount])
	if err != nil {
		return nil, fmt.Errorf("eventstore: count events: %w", err)
	}
	return out, nil
}

// FirstPosition is the lowest position in [from, to] (of aggregateType, or any when ""),
// 0 when the range holds none.
func (s *Store) FirstPosition(ctx context.Context, from, to int64, aggregateType string) (int64, error) {
	var pos *int64
	err := s.pool.QueryRow(ctx, `SELECT min(global_position) FROM events WHERE global_position BETWEEN $1 AND $2
		AND ($3 = '' OR aggregate_type = $3)`, from, to, aggregateType).Scan(&pos)
	if err != nil {
		return 0, fmt.Errorf("eventstore: first position: %w", err)
	}
	if pos == nil {
		return 0, nil
	}
	return *pos, nil
}

// WALPosition is the database's current WAL insert position (pg_current_wal_lsn), the
// LSN an event appended now would sort after.
func (s *Store) WALPosition(ctx context.Context) (string, error) {
	var lsn string
	if err := s.pool.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		return "", fmt.Errorf("eventstore: WAL position: %w", err)
	}
	return lsn, nil
}

// sleep waits d or until ctx ends, whichever comes first. ops.Sleep is the shared copy;
// this one stays so that eventstore, which downstream code imports, needs no ops module.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
