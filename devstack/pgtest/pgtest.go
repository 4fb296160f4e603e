package pgtest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/devstack/postgres"
)

var (
	mu      sync.Mutex
	cluster *postgres.Cluster
	baseURL string // TEST_DATABASE_URL / DATABASE_URL when the caller brings a server
	counter atomic.Int64
)

// Main runs a test binary's tests with one private PostgreSQL cluster shared by all of
// them, started lazily by the first Database call and stopped when the tests end or the
// binary is interrupted. Call it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	baseURL = os.Getenv("TEST_DATABASE_URL")
	if baseURL == "" {
		baseURL = os.Getenv("DATABASE_URL")
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		if _, ok := <-sig; ok {
			stop()
			os.Exit(1)
		}
	}()
	code := m.Run()
	signal.Stop(sig)
	close(sig)
	stop()
	return code
}

// settings trade durability for speed in tests, but never under -bench: benchmark figures
// must be those of a durable server.
func settings() map[string]string {
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		return nil
	}
	return map[string]string{"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
}

func stop() {
	mu.Lock()
	defer mu.Unlock()
	if cluster != nil {
		_ = cluster.Stop()
		cluster = nil
	}
}

// Cluster returns the shared private cluster, starting it on first use. It fails the test
// when TEST_DATABASE_URL points at an outside server (there is no cluster to hand out).
func Cluster(t testing.TB) *postgres.Cluster {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if baseURL != "" {
		t.Skip("pgtest: this test needs the private cluster; TEST_DATABASE_URL is set")
	}
	if cluster == nil {
		p, err := postgres.Start(context.Background(), postgres.Options{Settings: settings()})
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		cluster = p
	}
	return cluster
}

// Database creates a fresh database for this test and returns its URL (superuser). It is
// dropped when the test ends unless the test failed (left for inspection).
func Database(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", counter.Add(1), sanitize(t.Name()))
	admin := adminURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return withDatabase(admin, name)
}

func adminURL(t testing.TB) string {
	if baseURL != "" {
		return baseURL
	}
	return Cluster(t).URL("postgres")
}

func withDatabase(url, db string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return url
	}
	// Rebuild with the same host/port/user but another database.
	q := ""
	if i := strings.Index(url, "?"); i >= 0 {
		q = url[i:]
	}
	user := cfg.User
	if cfg.Password != "" {
		user += ":" + cfg.Password
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s%s", user, cfg.Host, cfg.Port, db, q)
}

func sanitize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if len(out) > 40 {
		out = out[:40]
	}
	return out
}
