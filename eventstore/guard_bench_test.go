package eventstore_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/devstack/procstat"
	"github.com/recall-events/recall/eventstore"
)

// BenchmarkGuardedAppend is a single-event append by 8 clients without and with a guard
// on another stream (what a command's actor check costs inside the statement), with the
// PostgreSQL server's CPU per append: on a shared machine the figure that moves least.
// pg_cpu_µs/op is the whole server's (WAL writer, checkpointer and autovacuum included);
// pg_backend_cpu_µs/op only the backends of the benchmark's database, which serve the
// appends.
//
// Where the guarded stream's row lies matters more than the guard: in "guarded" it is on
// a page of the streams table that no append of the run writes (as an admin's row is
// among thousands of users); in "guarded_hot_page" it shares the one page that every
// append rewrites (each append updates its stream's row there), and the guard's read of
// that page queues behind the updates' exclusive locks on it: about twice the server's
// CPU per append on this VM, most of it context switches (docs/benchmarks.md).
func BenchmarkGuardedAppend(b *testing.B) {
	for _, c := range []struct {
		name             string
		guarded, hotPage bool
	}{{"unguarded", false, false}, {"guarded", true, false}, {"guarded_hot_page", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			guarded := c.guarded
			s := setup(b)
			ctx := context.Background()
			actor := uuid.New()
			appendN(b, s.store, actor, eventstore.NoStream, 1)
			if !c.hotPage {
				// Rows enough to fill the actor's page (a streams row is ≈ 60 bytes), so the
				// streams the clients create start on later pages.
				for range 400 {
					appendN(b, s.store, uuid.New(), eventstore.NoStream, 1)
				}
			}
			postmaster := pgtest.Postmaster(b, s.pool)
			// Open every connection the clients will use first, so that each of their
			// backends is counted from the start.
			conns := make([]*pgxpool.Conn, benchClients())
			for i := range conns {
				var err error
				if conns[i], err = s.pool.Acquire(ctx); err != nil {
					b.Fatal(err)
				}
			}
			for _, c := range conns {
				c.Release()
			}
			backends := databaseBackends(b, s.pool)
			before, beforeBackends := procstat.TreeCPU(postmaster), procstat.Sum(backends)
			b.ResetTimer()
			parallel(b, benchClients(), func(pb *testing.PB) {
				id, rev := uuid.New(), int64(0)
				for pb.Next() {
					req := eventstore.AppendRequest{AggregateType: "user", AggregateID: id,
						Expected: eventstore.Exactly(rev), Events: []eventstore.NewEvent{benchEvent()}}
					if guarded {
						req.Guards = []eventstore.Guard{{AggregateID: actor, Revision: 1}}
					}
					if _, err := s.store.Append(ctx, req); err != nil {
						b.Error(err)
						return
					}
					rev++
				}
			})
			b.ReportMetric(float64((procstat.TreeCPU(postmaster)-before).Microseconds())/float64(b.N), "pg_cpu_µs/op")
			b.ReportMetric(float64((procstat.Sum(backends)-beforeBackends).Microseconds())/float64(b.N), "pg_backend_cpu_µs/op")
		})
	}
}

// databaseBackends are the pids of the backends connected to the pool's database.
func databaseBackends(b *testing.B, pool *pgxpool.Pool) []int {
	rows, err := pool.Query(context.Background(), "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		b.Fatal(err)
	}
	return pids
}

// benchClients is RECALL_BENCH_CLIENTS, default 8.
func benchClients() int {
	if n, err := strconv.Atoi(os.Getenv("RECALL_BENCH_CLIENTS")); err == nil && n > 0 {
		return n
	}
	return 8
}
