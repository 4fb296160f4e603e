package pgmigrate_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/pgmigrate"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var (
	setA = pgmigrate.Set{Name: "a", VersionTable: "a_version", FS: os.DirFS("testdata"), Dir: "a"}
	setB = pgmigrate.Set{Name: "b", VersionTable: "b_version", FS: os.DirFS("testdata"), Dir: "b"}
)

func version(t *testing.T, url, table string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v int
	if err := conn.QueryRow(context.Background(), "SELECT version FROM "+table).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// Sets run in order, each recorded in its own table; running again changes nothing.
func TestUpRunsSetsInOrderOnce(t *testing.T) {
	url := pgtest.Database(t)
	for range 2 {
		if err := pgmigrate.Up(context.Background(), url, setA, setB); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := version(t, url, "a_version"), version(t, url, "b_version"); a != 1 || b != 1 {
		t.Fatalf("versions a=%d b=%d, want 1 and 1", a, b)
	}
}

// Several processes starting at once: tern's advisory lock serialises them.
func TestUpConcurrently(t *testing.T) {
	url := pgtest.Database(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errs <- pgmigrate.Up(context.Background(), url, setA, setB) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A failing set names itself, and a set without files or version table is refused.
func TestUpErrorsNameTheSet(t *testing.T) {
	url := pgtest.Database(t)
	bad := pgmigrate.Set{Name: "broken", VersionTable: "broken_version", FS: fstest.MapFS{
		"001_bad.sql": {Data: []byte("CREATE TABLE (")},
	}, Dir: "."}
	if err := pgmigrate.Up(context.Background(), url, bad); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("err = %v, want one naming the set", err)
	}
	if err := pgmigrate.Up(context.Background(), url, pgmigrate.Set{Name: "empty"}); err == nil {
		t.Fatal("a set without files was accepted")
	}
	// b depends on a: alone, it fails, and says which set.
	if err := pgmigrate.Up(context.Background(), url, setB); err == nil || !strings.Contains(err.Error(), "pgmigrate: b") {
		t.Fatalf("err = %v", err)
	}
}
