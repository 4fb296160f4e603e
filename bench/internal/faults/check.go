package faults

import (
	"context"
	"fmt"

	"github.com/recall-events/recall/bench/internal/kafkaread"
	"github.com/recall-events/recall/bench/internal/rig"
)

// stored is one row of the events table, as the checks need it.
type stored struct {
	id        string // event_id
	aggregate string
	revision  int64
	requestID string
}

func readStore(ctx context.Context, r *rig.Rig) (map[string]stored, error) {
	rows, err := r.Pool.Query(ctx, `SELECT event_id::text, aggregate_id::text, revision, coalesce(metadata->>'request_id', '')
		FROM events WHERE aggregate_type = 'user'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]stored{}
	for rows.Next() {
		var s stored
		if err := rows.Scan(&s.id, &s.aggregate, &s.revision, &s.requestID); err != nil {
			return nil, err
		}
		out[s.id] = s
	}
	return out, rows.Err()
}

// checkKafka compares the topic with the store: delivery, duplicates, order.
func checkKafka(store map[string]stored, recs []kafkaread.Record, c *Counts) {
	c.Committed, c.Records = len(store), len(recs)
	seen := map[string]bool{}
	last := map[string]int64{} // aggregate → highest revision delivered so far
	byRev := map[string]string{}
	for _, s := range store {
		byRev[fmt.Sprint(s.aggregate, "/", s.revision)] = s.id
	}
	for _, rec := range recs {
		if _, ok := store[rec.ID]; !ok && !seen[rec.ID] {
			c.Unknown++
		}
		seen[rec.ID] = true
		switch {
		case rec.Revision == last[rec.Key]+1:
			last[rec.Key] = rec.Revision
		case rec.Revision <= last[rec.Key] && byRev[fmt.Sprint(rec.Key, "/", rec.Revision)] == rec.ID:
			// a copy of an earlier revision: the unacked tail, redelivered
		default:
			c.OutOfOrder++
		}
	}
	c.Duplicates = len(recs) - len(seen)
	for id := range store {
		if seen[id] {
			c.Delivered++
		} else {
			c.Lost++
		}
	}
}

// checkAcked: every 2xx command's event is in the store at the revision it was told.
func checkAcked(store map[string]stored, acks []ack, c *Counts) {
	c.Acked = len(acks)
	byRequest := map[string]stored{}
	for _, s := range store {
		if s.requestID != "" {
			byRequest[s.requestID] = s
		}
	}
	for _, a := range acks {
		s, ok := byRequest[a.requestID]
		if !ok || s.aggregate != a.id.String() || s.revision != a.revision {
			c.AckedMissing++
		}
	}
}

// checkReadModel compares table with the store: every stream has a row at its last
// revision, and no row exists without a stream.
func checkReadModel(ctx context.Context, r *rig.Rig, table string, c *Counts) error {
	err := r.Pool.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&c.Users)
	if err != nil {
		return err
	}
	return r.Pool.QueryRow(ctx, `SELECT count(*) FROM
		(SELECT aggregate_id, max(revision) AS revision FROM events WHERE aggregate_type = 'user' GROUP BY aggregate_id) s
		FULL JOIN `+table+` u ON u.id = s.aggregate_id
		WHERE u.revision IS DISTINCT FROM s.revision`).Scan(&c.ReadModelStale)
}

// usersColumns are the columns every users version has (v2 adds a generated one).
const usersColumns = `id, username, email, first_name, last_name, role, status, created_at, updated_at, deleted_at, revision`

// compareTables counts rows that are in one table and not the other.
func compareTables(ctx context.Context, r *rig.Rig, a, b string) (int, error) {
	var n int
	err := r.Pool.QueryRow(ctx, `SELECT count(*) FROM (
		(SELECT `+usersColumns+` FROM `+a+` EXCEPT SELECT `+usersColumns+` FROM `+b+`)
		UNION ALL
		(SELECT `+usersColumns+` FROM `+b+` EXCEPT SELECT `+usersColumns+` FROM `+a+`)) d`).Scan(&n)
	return n, err
}

// diffTables prints up to limit rows that are in one table and not the other, each with
// the table it came from, so a failed run says which person and which column differ.
func diffTables(ctx context.Context, r *rig.Rig, a, b string, limit int) ([]string, error) {
	rows, err := r.Pool.Query(ctx, `SELECT side, row_to_json(d)::text FROM (
		(SELECT '`+a+`' AS side, `+usersColumns+` FROM `+a+` EXCEPT SELECT '`+a+`', `+usersColumns+` FROM `+b+`)
		UNION ALL
		(SELECT '`+b+`', `+usersColumns+` FROM `+b+` EXCEPT SELECT '`+b+`', `+usersColumns+` FROM `+a+`)) d
		ORDER BY d.id, side LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var side, row string
		if err := rows.Scan(&side, &row); err != nil {
			return nil, err
		}
		out = append(out, side+" "+row)
	}
	return out, rows.Err()
}
