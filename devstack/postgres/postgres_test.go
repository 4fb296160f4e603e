package postgres_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/devstack/postgres"
)

// TestPostgresRestartKeepsOptions: a restarted cluster runs with the settings,
// log and binaries it was started with, not the defaults; RECALL_PG_BIN
// pointing elsewhere by then changes nothing.
func TestPostgresRestartKeepsOptions(t *testing.T) {
	ctx := context.Background()
	logPath := filepath.Join(t.TempDir(), "postgres.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	p, err := postgres.Start(ctx, postgres.Options{
		Settings: map[string]string{"fsync": "off", "application_name": "restart-test"},
		Log:      log,
	})
	if err != nil {
		t.Skip(err) // no PostgreSQL binaries here
	}
	defer p.Stop()
	show := func(name string) string {
		t.Helper()
		conn, err := pgx.Connect(ctx, p.DatabaseURL())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var v string
		if err := conn.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := show("fsync"); got != "off" {
		t.Fatalf("fsync = %s before the restart", got)
	}
	before, _ := os.Stat(logPath)
	t.Setenv("RECALL_PG_BIN", t.TempDir()) // no binaries there
	if err := p.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if got := show("fsync"); got != "off" {
		t.Errorf("fsync = %s after the restart, want off", got)
	}
	after, _ := os.Stat(logPath)
	if after.Size() <= before.Size() {
		t.Errorf("the restarted server wrote nothing to its log (%d bytes before, %d after)", before.Size(), after.Size())
	}
}
