package subjectkeys_test

import (
	"context"
	"os"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/devstack/procstat"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/pgmigrate"
)

// BenchmarkKeysCold is what a replay pays per person for their key (issue #13: ≈ 7
// points of the sealed replay's cost): a fresh keyring answering 10,000 people in
// batches of 130, as the users projection asks (a cold cache: a restarted projector,
// a blue/green rebuild). Reports this process's and PostgreSQL's CPU per person.
//
//	go test -run '^$' -bench BenchmarkKeysCold -benchmem ./subjectkeys
func BenchmarkKeysCold(b *testing.B) {
	const people, batch = 10_000, 130
	ctx := context.Background()
	url := pgtest.Database(b)
	if err := pgmigrate.Up(ctx, url, subjectkeys.Migrations); err != nil {
		b.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	kek := newKEK(b)
	ids := insertKeys(b, pool, kek, people)
	postmaster := pgtest.Postmaster(b, pool)
	b.ReportAllocs()
	b.ResetTimer()
	self, pg := procstat.CPU(os.Getpid()), procstat.TreeCPU(postmaster)
	for range b.N {
		keys := subjectkeys.New(pool, kek, subjectkeys.Options{})
		for i := 0; i < people; i += batch {
			got, err := keys.Keys(ctx, ids[i:min(i+batch, people)])
			if err != nil || len(got) != min(batch, people-i) {
				b.Fatalf("Keys answered %d of %d: %v", len(got), min(batch, people-i), err)
			}
		}
	}
	b.StopTimer()
	n := float64(b.N * people)
	b.ReportMetric(float64((procstat.CPU(os.Getpid())-self).Nanoseconds())/n, "cpu_ns/person")
	b.ReportMetric(float64((procstat.TreeCPU(postmaster)-pg).Nanoseconds())/n, "pg_cpu_ns/person")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/person")
}

// insertKeys gives n new people a key each, in one transaction, and analyzes the table
// as autovacuum would; it returns their ids.
func insertKeys(tb testing.TB, pool *pgxpool.Pool, kek *subjectkeys.KEK, n int) []uuid.UUID {
	tb.Helper()
	ctx := context.Background()
	writer := subjectkeys.New(pool, kek, subjectkeys.Options{CacheTTL: -1})
	tx, err := pool.Begin(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = uuid.New()
		k, err := subjectkeys.Generate()
		if err != nil {
			tb.Fatal(err)
		}
		if err := writer.Insert(ctx, tx, ids[i], k); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE subject_keys`); err != nil {
		tb.Fatal(err)
	}
	return ids
}
