package readmodel_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/readmodel"
)

// A replay from offset zero fills a new users table batch by batch while the table's
// statistics still say it is empty. Run as a prepared statement, Lock's `id = ANY($1)`
// got a generic plan after five runs: a sequential scan testing each row against the
// whole array, one by one (a parameter array is not hashed), so each batch cost rows ×
// batch comparisons; replays stalled for seconds with a backend at 100% CPU in this
// SELECT. Each run is now planned with its ids (a custom plan: an index scan, or a
// hashed array), so no generic plan is ever made for it.
func TestLockIsPlannedWithItsIDs(t *testing.T) {
	ctx := context.Background()
	pool, w := setup(t)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	now := time.Now()
	if _, err := conn.Exec(ctx, `TRUNCATE `+readmodel.UsersTable(1)); err != nil {
		t.Fatal(err)
	}
	for batch := range 12 {
		ids := make([]string, 1600)
		for i := range ids {
			ids[i] = uuid.NewString()
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			rows, err := w.Lock(ctx, tx, ids)
			if err != nil {
				return err
			}
			for _, id := range ids {
				rows[id] = &readmodel.Row{ID: id, Username: id, Email: id + "@example.com", Role: readmodel.RoleUser,
					Status: "active", CreatedAt: now, UpdatedAt: now, Revision: 1}
			}
			return w.Write(ctx, tx, rows)
		})
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
	}
	var generic int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(sum(generic_plans), 0) FROM pg_prepared_statements 
WHERE statement LIKE '%FOR UPDATE%' AND statement NOT LIKE '%pg_prepared_statements%'`).
		Scan(&generic); err != nil {
		t.Fatal(err)
	}
	if generic != 0 {
		t.Fatalf("Lock ran %d times on a generic plan", generic)
	}
}
