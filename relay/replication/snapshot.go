package replication

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/recall-events/recall/relay/commits"
	"github.com/recall-events/recall/schemas"
)

var snapshotName = regexp.MustCompile(`^[0-9A-Fa-f-]+$`)

// initialSnapshot (re)creates the slot and publishes every row that existed before it,
// read in the slot's exported snapshot: a row committed before the slot's consistent
// point is in the snapshot, one committed after is in the stream. It returns the
// consistent point, saved as the checkpoint once Kafka has acked every row.
func (s *Session) initialSnapshot(ctx context.Context, ctl *pgx.Conn, repl *pgconn.PgConn) (pglogrepl.LSN, error) {
	o := s.opts
	exists, err := slotExists(ctx, ctl, o.Slot)
	if err != nil {
		return 0, err
	}
	if exists {
		// A slot without a checkpoint: an earlier snapshot died before it finished, and its
		// exported snapshot died with it. Start again; consumers dedupe the repeats.
		o.Logger.Warn("dropping replication slot whose initial snapshot never completed", "slot", o.Slot)
		if err := dropSlot(ctx, ctl, o.Slot); err != nil {
			return 0, err
		}
	}
	res, consistent, err := createSlot(ctx, repl, o.Slot)
	if err != nil {
		return 0, err
	}
	o.Logger.Info("created replication slot; publishing existing rows", "slot", o.Slot, "consistent_point", consistent.String())
	tr := newTracker(0, o.MaxInFlight, nil)
	x := tr.begin(consistent, 0, time.Now())
	runs, err := s.publishSnapshot(ctx, ctl, res.SnapshotName, x)
	if err != nil {
		return 0, err
	}
	tr.commit(x, consistent)
	if err := drain(ctx, tr, 0); err != nil {
		return 0, fmt.Errorf("replication: initial snapshot: %w", err)
	}
	if err := saveCheckpoint(ctx, ctl, o.Slot, consistent, runs); err != nil {
		return 0, err
	}
	o.Logger.Info("initial snapshot published", "slot", o.Slot, "events", x.records, "runs", len(runs), "lsn", consistent.String())
	return consistent, nil
}

const snapshotQuery = `SELECT event_id::text, aggregate_type, aggregate_id::text, revision, event_type,
	schema_version, recorded_at, data::text, metadata::text, global_position
	FROM events ORDER BY global_position`

// publishSnapshot publishes the rows of the exported snapshot name as records of x and
// returns their relay_commits rows: one per run of consecutive positions, so that a row
// committed after the consistent point (streamed, with its own xid row) never falls in
// one. Runs break only at positions the snapshot lacks (rolled-back inserts, rows still
// uncommitted at the consistent point), so there are few.
func (s *Session) publishSnapshot(ctx context.Context, ctl *pgx.Conn, name string, x *txn) ([]commits.Commit, error) {
	if !snapshotName.MatchString(name) {
		return nil, fmt.Errorf("replication: unexpected snapshot name %q", name)
	}
	tx, err := ctl.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("replication: snapshot: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+name+"'"); err != nil {
		return nil, fmt.Errorf("replication: use exported snapshot: %w", err)
	}
	rows, err := tx.Query(ctx, snapshotQuery)
	if err != nil {
		return nil, fmt.Errorf("replication: snapshot: %w", err)
	}
	defer rows.Close()
	var runs []commits.Commit
	for rows.Next() {
		var e schemas.Event
		var data, meta []byte
		if err := rows.Scan(&e.EventID, &e.AggregateType, &e.AggregateID, &e.Revision, &e.EventType,
			&e.SchemaVersion, &e.RecordedAt, &data, &meta, &e.GlobalPosition); err != nil {
			return nil, fmt.Errorf("replication: snapshot row: %w", err)
		}
		e.RecordedAt = e.RecordedAt.UTC()
		e.Data, e.Metadata = data, meta
		if err := s.publish(ctx, x, e, nil); err != nil {
			return nil, err
		}
		runs = extendRuns(runs, e.GlobalPosition, x.commitLSN)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("replication: snapshot: %w", err)
	}
	return runs, nil
}

// extendRuns adds pos (ascending) to the last run when it follows it, else opens a run.
func extendRuns(runs []commits.Commit, pos int64, lsn pglogrepl.LSN) []commits.Commit {
	if n := len(runs); n > 0 && runs[n-1].Last == pos-1 {
		runs[n-1].Last = pos
		return runs
	}
	return append(runs, commits.Commit{Snapshot: true, CommitLSN: lsn, First: pos, Last: pos})
}

// drain waits until no record is in flight (so every committed transaction is
// confirmed), until ctx ends or until a publish fails. timeout 0 means none.
func drain(ctx context.Context, tr *tracker, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		st := tr.state()
		if st.err != nil {
			return st.err
		}
		if st.inflight == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d records unacked: %w", st.inflight, ctx.Err())
		case <-tick.C:
		}
	}
}
