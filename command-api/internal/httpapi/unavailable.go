package httpapi

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// retryUnavailable is the Retry-After of a database outage: a restart or failover
// takes seconds, and clients should come back soon rather than give up.
const retryUnavailable = "1"

// databaseDown reports whether err means PostgreSQL could not be reached or went
// away (refused or reset connections, the server shutting down or starting up, no
// connection slots): an outage the client may retry through, answered 503, never
// 500 (a 500 says the request itself is at fault, and pages someone).
func databaseDown(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case strings.HasPrefix(pg.Code, "08"): // connection exception
			return true
		case pg.Code == "57P01", pg.Code == "57P02", pg.Code == "57P03": // admin or crash shutdown, cannot connect now
			return true
		case pg.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.SafeToRetry(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// outcomeUnknown reports whether a write that failed with a database outage may
// nevertheless have committed: the connection broke after the statement or COMMIT
// was sent (pgconn.SafeToRetry is false) and no server error says it failed.
func outcomeUnknown(method string, err error) bool {
	if method == http.MethodGet || method == http.MethodHead {
		return false
	}
	var pg *pgconn.PgError
	var ce *pgconn.ConnectError
	return !errors.As(err, &pg) && !errors.As(err, &ce) && !pgconn.SafeToRetry(err)
}

// unavailableProblem is the 503 of a database outage; a write whose outcome is
// unknown says so, and how to find out safely.
func unavailableProblem(method string, err error) *Problem {
	p := problem(http.StatusServiceUnavailable, KindUnavailable, "the database is unavailable; nothing was stored; retry shortly")
	if outcomeUnknown(method, err) {
		p.Detail = "the database connection broke while the command was being stored: it may or may not have been applied. " +
			"Retry with the same Idempotency-Key: if it was applied, the retry returns the stored response and applies nothing twice"
	}
	p.retryAfter = retryUnavailable
	return p
}
