package pgtest

import (
	"bytes"
	"os/exec"
	"testing"

	"github.com/recall-events/recall/devstack/postgres"
)

// Dump is pg_dump of the database at url (schema and data of every table, no owners),
// leaving out the data of the tables matching exclude: what the erasure tests search for
// a person's values, as an attacker holding a backup would.
func Dump(t testing.TB, url string, exclude ...string) []byte {
	t.Helper()
	bin, err := postgres.Tool("pg_dump")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--no-owner", "--dbname", url}
	for _, e := range exclude {
		args = append(args, "--exclude-table-data", e)
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}

// NoPlaintext fails t for each of values that b holds, case-insensitively, quoting where.
func NoPlaintext(t testing.TB, what string, b []byte, values []string) {
	t.Helper()
	low := bytes.ToLower(b)
	for _, v := range values {
		if i := bytes.Index(low, bytes.ToLower([]byte(v))); i >= 0 {
			t.Errorf("%s holds %q in plaintext: …%s…", what, v, b[max(0, i-80):min(len(b), i+80)])
		}
	}
}
