package commits

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Commit is one relay_commits entry: a published transaction, or a run of the initial
// snapshot.
type Commit struct {
	Xid       uint32 // BeginMessage.Xid; unused for a snapshot run
	Snapshot  bool   // a run of consecutive positions of the initial snapshot (xid NULL)
	CommitLSN pglogrepl.LSN
	First     int64 // lowest global_position of its events
	Last      int64 // highest
}

// Include widens c's position range to hold pos.
func (c *Commit) Include(pos int64) {
	if c.First == 0 || pos < c.First {
		c.First = pos
	}
	c.Last = max(c.Last, pos)
}

// ErrNotMigrated: the database has no relay_commits table, so the relay never recorded
// a commit LSN there (it predates relay migration 002, or never ran on this database).
var ErrNotMigrated = errors.New("commits: relay_commit_batches does not exist (the relay has not run its migration 002 here)")

// Querier is what LSNs and Unmapped need: *pgx.Conn, *pgxpool.Pool and pgx.Tx have it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// chunk bounds the entries of one row, so a snapshot with very many runs does not make
// one giant value; a save of a status interval's transactions fits one row.
const chunk = 50_000

// insertSQL writes one relay_commit_batches row of parallel arrays.
const insertSQL = `INSERT INTO relay_commit_batches (first_position, last_position, xids, commit_lsns, first_positions, last_positions)
	VALUES ($1, $2, $3::bigint[], $4::text[]::pg_lsn[], $5::bigint[], $6::bigint[])`

// Queue adds the statements that record cs to b (nothing when cs is empty), so they run
// in the caller's round trip and transaction.
func Queue(b *pgx.Batch, cs []Commit) {
	for len(cs) > 0 {
		n := min(len(cs), chunk)
		xids := make([]*int64, n)
		lsns := make([]string, n)
		firsts := make([]int64, n)
		lasts := make([]int64, n)
		lo, hi := cs[0].First, cs[0].Last
		for i, c := range cs[:n] {
			if !c.Snapshot {
				x := int64(c.Xid)
				xids[i] = &x
			}
			lsns[i], firsts[i], lasts[i] = c.CommitLSN.String(), c.First, c.Last
			lo, hi = min(lo, c.First), max(hi, c.Last)
		}
		b.Queue(insertSQL, lo, hi, xids, lsns, firsts, lasts)
		cs = cs[n:]
	}
}

// entries are the relay_commits rows that may hold a position in [$1, $2]: the batches'
// GiST index finds the few rows to unnest.
const entries = `c AS MATERIALIZED (
	SELECT u.xid, u.commit_lsn, u.first_position, u.last_position
	FROM relay_commit_batches b,
	     unnest(b.xids, b.commit_lsns, b.first_positions, b.last_positions) AS u(xid, commit_lsn, first_position, last_position)
	WHERE int8range(b.first_position, b.last_position, '[]') && int8range($1, $2, '[]')
	  AND u.first_position <= $2 AND u.last_position >= $1)`

// matched pairs each event in [$1, $2] with the entries it matches: its transaction's
// (a hash join on the xid; pref 0) and snapshot runs (pref 1).
const matched = `e AS MATERIALIZED (
	SELECT global_position, xmin::text::bigint AS xid, aggregate_type FROM events WHERE global_position BETWEEN $1 AND $2),
m AS MATERIALIZED (
	SELECT e.global_position, c.commit_lsn, 0 AS pref FROM e JOIN c ON c.xid = e.xid
	 WHERE e.global_position BETWEEN c.first_position AND c.last_position
	UNION ALL
	SELECT e.global_position, c.commit_lsn, 1 FROM e JOIN c ON c.xid IS NULL
	 AND e.global_position BETWEEN c.first_position AND c.last_position)`

// LSNs returns the commit LSN the relay published with each event whose global_position
// is in [from, to], by position. Events without an entry are absent. Should an event
// match several (the slot was snapshotted again, or a transaction was delivered again
// after a crash), its transaction's entry wins over a snapshot run, then the earliest
// commit LSN.
func LSNs(ctx context.Context, q Querier, from, to int64) (map[int64]pglogrepl.LSN, error) {
	rows, err := q.Query(ctx, `WITH `+entries+`, `+matched+`
		SELECT DISTINCT ON (global_position) global_position, commit_lsn::text FROM m
		ORDER BY global_position, pref, commit_lsn`, from, to)
	if err != nil {
		return nil, wrap(err)
	}
	out := map[int64]pglogrepl.LSN{}
	var pos int64
	var text string
	_, err = pgx.ForEachRow(rows, []any{&pos, &text}, func() error {
		lsn, err := pglogrepl.ParseLSN(text)
		out[pos] = lsn
		return err
	})
	if err != nil {
		return nil, wrap(err)
	}
	return out, nil
}

// Unmapped counts the events with global_position in [from, to] (of aggregateType, when
// not empty) that have no entry, and returns the first one's position.
func Unmapped(ctx context.Context, q Querier, from, to int64, aggregateType string) (count, first int64, err error) {
	var firstPos *int64
	err = q.QueryRow(ctx, `WITH `+entries+`, `+matched+`
		SELECT count(*), min(e.global_position) FROM e
		WHERE ($3 = '' OR e.aggregate_type = $3)
		  AND NOT EXISTS (SELECT 1 FROM m WHERE m.global_position = e.global_position)`,
		from, to, aggregateType).Scan(&count, &firstPos)
	if err != nil {
		return 0, 0, wrap(err)
	}
	if firstPos != nil {
		first = *firstPos
	}
	return count, first, nil
}

func wrap(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" && strings.Contains(pgErr.Message, "relay_commit_batches") {
		return fmt.Errorf("%w: %w", ErrNotMigrated, err)
	}
	return fmt.Errorf("commits: %w", err)
}
