package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/devstack/procstat"
)

// Querier is what Postmaster asks: a pool, a connection or a transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Postmaster is the pid of the PostgreSQL server db is connected to (the parent of db's
// backend), for benchmarks that report the server's CPU with procstat.TreeCPU.
func Postmaster(tb testing.TB, db Querier) int {
	tb.Helper()
	var backend int
	if err := db.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		tb.Fatal(err)
	}
	st, ok := procstat.Read(backend)
	if !ok {
		tb.Fatalf("pgtest: cannot read /proc/%d/stat", backend)
	}
	return st.PPID
}
