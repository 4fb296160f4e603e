package subjectkeys_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/eventstore/subjectkeys"
)

// Keys reads through a prepared statement whose generic plan PostgreSQL may keep
// (planning per run cost more than the lookups: BenchmarkKeysCold). That is safe only
// because the kept plan follows the table: one made while subject_keys was small (a
// sequential scan) must give way to an index scan once the table has grown and been
// analyzed, as autovacuum does, on the very connection that holds the statement.
func TestKeysGenericPlanFollowsTheTable(t *testing.T) {
	ctx := context.Background()
	url, _ := setup(t)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1 // one connection: the one holding the prepared statement
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	kek := newKEK(t)
	// The plan PostgreSQL keeps for the statement, as its plan cache would choose it once
	// it prefers the generic plan.
	genericPlan := func() string {
		t.Helper()
		conn, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Release()
		var name string
		if err := conn.QueryRow(ctx, `SELECT name FROM pg_prepared_statements WHERE statement LIKE 'SELECT subject_id, key_id, wrapped, kek_id FROM subject_keys%'`).
			Scan(&name); err != nil {
			t.Fatalf("Keys' statement is not prepared on its connection: %v", err)
		}
		var plan strings.Builder
		if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
			t.Fatal(err)
		}
		defer func() { _, _ = conn.Exec(ctx, `RESET plan_cache_mode`) }()
		rows, err := conn.Query(ctx, `EXPLAIN EXECUTE "`+name+`"('{}')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(line + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return plan.String()
	}
	read := func(ids []uuid.UUID) {
		t.Helper()
		for range 8 { // past the five custom plans PostgreSQL tries before a generic one
			keys := subjectkeys.New(pool, kek, subjectkeys.Options{CacheTTL: -1})
			got, err := keys.Keys(ctx, ids[:50])
			if err != nil || len(got) != 50 {
				t.Fatalf("Keys answered %d of 50: %v", len(got), err)
			}
		}
	}

	small := insertKeys(t, pool, kek, 60)
	read(small)
	if plan := genericPlan(); !strings.Contains(plan, "Seq Scan") {
		t.Fatalf("the small table's kept plan is no sequential scan, so this test shows no change of plan:\n%s", plan)
	}
	read(insertKeys(t, pool, kek, 20_000))
	if plan := genericPlan(); !strings.Contains(plan, "Index") {
		t.Errorf("after the table grew and was analyzed, the kept plan is still:\n%s", plan)
	}
}
