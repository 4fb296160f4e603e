package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestDatabaseOutagesAre503(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for name, err := range map[string]error{
		"admin shutdown":     &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"},
		"cannot connect now": &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"},
		"connection failure": &pgconn.PgError{Code: "08006"},
		"refused":            fmt.Errorf("load: %w", refused),
		"reset":              fmt.Errorf("append: %w", syscall.ECONNRESET),
		"unexpected EOF":     fmt.Errorf("append: %w", io.ErrUnexpectedEOF),
		"conn closed":        pgconn.ErrConnClosed,
	} {
		if !databaseDown(err) {
			t.Errorf("%s: not seen as a database outage", name)
		}
	}
	for name, err := range map[string]error{
		"syntax":     &pgconn.PgError{Code: "42601"},
		"plain":      errors.New("boom"),
		"unique":     &pgconn.PgError{Code: "23505"},
		"serializer": &pgconn.PgError{Code: "40001"},
	} {
		if databaseDown(err) {
			t.Errorf("%s: seen as a database outage", name)
		}
	}
}

// A write whose connection broke after it was sent may have committed: the problem says
// so and points at the Idempotency-Key; one refused before anything was sent did not.
func TestOutcomeUnknownTellsToRetryWithTheSameKey(t *testing.T) {
	sent := fmt.Errorf("commit: %w", syscall.ECONNRESET) // pgconn.SafeToRetry: false
	p := unavailableProblem(http.MethodPatch, sent)
	if p.Status != 503 || p.retryAfter == "" || !strings.Contains(p.Detail, "may or may not") || !strings.Contains(p.Detail, "same Idempotency-Key") {
		t.Errorf("outcome unknown: %+v", p)
	}
	if p := unavailableProblem(http.MethodGet, sent); strings.Contains(p.Detail, "may or may not") {
		t.Errorf("a read cannot have applied anything: %+v", p)
	}
	shutdown := &pgconn.PgError{Code: "57P01"}
	if p := unavailableProblem(http.MethodPost, shutdown); strings.Contains(p.Detail, "may or may not") || !strings.Contains(p.Detail, "nothing was stored") {
		t.Errorf("the server refused the statement: %+v", p)
	}
}
