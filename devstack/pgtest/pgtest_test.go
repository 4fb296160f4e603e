package pgtest_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/devstack/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestDatabaseIsFreshAndLogical(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var walLevel string
	if err := conn.QueryRow(ctx, "SHOW wal_level").Scan(&walLevel); err != nil {
		t.Fatal(err)
	}
	if walLevel != "logical" {
		t.Fatalf("wal_level = %q, want logical", walLevel)
	}
	var tables int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Fatalf("fresh database has %d tables", tables)
	}
	other := pgtest.Database(t)
	if other == url {
		t.Fatal("two calls returned the same database")
	}
}

func TestRestartKeepsData(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	exec := func(sql string) {
		t.Helper()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)")
	if err := pgtest.Cluster(t).Restart(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT v FROM kept").Scan(&v); err != nil || v != 42 {
		t.Fatalf("after restart: v=%d err=%v", v, err)
	}
}

// The dump holds what a table holds, and the check finds it in any case, but not what
// was left out.
func TestDumpAndNoPlaintext(t *testing.T) {
	url := pgtest.Database(t)
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range []string{`CREATE TABLE kept (v text)`, `INSERT INTO kept VALUES ('Grace Hopper')`,
		`CREATE TABLE left_out (v text)`, `INSERT INTO left_out VALUES ('Ada Lovelace')`} {
		if _, err := conn.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	dump := pgtest.Dump(t, url, "left_out")
	rec := &recorder{TB: t}
	pgtest.NoPlaintext(rec, "the dump", dump, []string{"grace HOPPER"})
	if !rec.failed {
		t.Fatal("a value in the dump was not found")
	}
	pgtest.NoPlaintext(t, "the dump", dump, []string{"Ada Lovelace"})
}

// recorder records a failure instead of failing, so a check can be shown to fail.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

// Postmaster finds the server: the live postgres process that is the parent of the
// test's backend.
func TestPostmaster(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	pm := pgtest.Postmaster(t, conn)
	var backend int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		t.Fatal(err)
	}
	if pm <= 1 || pm == backend {
		t.Fatalf("postmaster %d for backend %d", pm, backend)
	}
	cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pm))
	if err != nil || !strings.Contains(string(cmd), "postgres") {
		t.Fatalf("process %d runs %q, not a postgres server: %v", pm, cmd, err)
	}
}
