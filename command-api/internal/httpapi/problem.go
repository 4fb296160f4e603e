package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/recall-events/recall/command-api/internal/app"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
)

// ProblemTypeBase prefixes every problem type; the suffix is the stable kind.
const ProblemTypeBase = "urn:recall:problem:"

// The problem kinds. Clients branch on these; they never change meaning.
const (
	KindValidation          = "validation"
	KindMalformedJSON       = "malformed-json"
	KindNotFound            = "not-found"
	KindMethodNotAllowed    = "method-not-allowed"
	KindDeleted             = "deleted"
	KindForgotten           = "forgotten"
	KindConflict            = "conflict"
	KindUniqueViolation     = "unique-violation"
	KindConcurrency         = "concurrency-conflict"
	KindPreconditionFailed  = "precondition-failed"
	KindPreconditionNeeded  = "precondition-required"
	KindUnauthenticated     = "unauthenticated"
	KindInvalidCredentials  = "invalid-credentials"
	KindForbidden           = "forbidden"
	KindTooLarge            = "payload-too-large"
	KindUnsupportedMedia    = "unsupported-media-type"
	KindIdempotencyMismatch = "idempotency-key-reused"
	KindEventSchema         = "event-schema-violation"
	KindUnavailable         = "unavailable"
	KindProjectionLagging   = "projection-lagging"
	KindInternal            = "internal"
	KindLastAdmin           = "last-admin"
	KindRateLimited         = "rate-limited"
	KindLockedOut           = "locked-out"
	KindBusy                = "busy"
)

// Problem is an RFC 9457 problem detail.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	Errors    map[string]string `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	// retryAfter, when set, is sent as the Retry-After header.
	retryAfter string
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

func problem(status int, kind, detail string) *Problem {
	return &Problem{Type: ProblemTypeBase + kind, Title: http.StatusText(status), Status: status, Detail: detail}
}

func fieldProblem(status int, kind, detail string, fields map[string]string) *Problem {
	p := problem(status, kind, detail)
	p.Errors = fields
	return p
}

// writeProblem sends p and aborts the gin chain.
func writeProblem(c *gin.Context, p *Problem) {
	p.Instance = c.Request.URL.Path
	p.RequestID = requestID(c)
	body, _ := json.Marshal(p)
	if p.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="recall"`)
	}
	if p.retryAfter != "" {
		c.Header("Retry-After", p.retryAfter)
	}
	c.Header("Cache-Control", "no-store")
	c.Data(p.Status, "application/problem+json", body)
	c.Abort()
	c.Set(ctxProblem, p.Type)
}

// fail maps an error of the app, domain or store to its problem and sends it. Unknown
// errors are 500 with no detail: their text may say more than a client should see.
func fail(c *gin.Context, err error) {
	p := problemFor(err)
	if p.Status == http.StatusInternalServerError && databaseDown(err) {
		p = unavailableProblem(c.Request.Method, err)
	}
	writeProblem(c, p)
	if p.Status >= http.StatusInternalServerError {
		_ = c.Error(err) // logged by the access log, never sent
	}
}

func problemFor(err error) *Problem {
	var (
		ve *user.ValidationError
		ce *eventstore.ClaimError
		rn *app.RevisionNotFoundError
		le *app.LockedError
		pg *pgconn.PgError
		p  *Problem
	)
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &le):
		return lockedProblem(le)
	case errors.As(err, &ve):
		return fieldProblem(422, KindValidation, "the request has invalid fields", ve.Fields)
	case errors.As(err, &ce):
		return claimProblem(ce)
	case errors.As(err, &rn):
		return problem(404, KindNotFound, rn.Error())
	case errors.Is(err, user.ErrNotFound):
		return problem(404, KindNotFound, "no such user")
	case errors.Is(err, user.ErrForgotten):
		return problem(410, KindForgotten, "the person was forgotten: their personal data is erased and nothing applies to them any more")
	case errors.Is(err, user.ErrDeleted):
		return problem(410, KindDeleted, "the user is deleted")
	case errors.Is(err, user.ErrAlreadyExists):
		return problem(409, KindConflict, "the user already exists")
	case errors.Is(err, user.ErrConflict):
		return problem(409, KindConflict, conflictDetail(err))
	case errors.Is(err, app.ErrTooManyConflicts):
		return problem(409, KindConcurrency, "the user kept changing concurrently; retry")
	case errors.Is(err, app.ErrActorChanged):
		return problem(409, KindConcurrency, "your own user kept changing while the command ran; retry")
	case errors.Is(err, app.ErrPreconditionFailed):
		return problem(412, KindPreconditionFailed, "the user is not at the revision given in If-Match")
	case errors.Is(err, app.ErrForbidden):
		return problem(403, KindForbidden, "your role does not allow this on this user")
	case errors.Is(err, app.ErrLastAdmin):
		return problem(409, KindLastAdmin, "this is the last active admin: promote another user to admin first")
	case errors.Is(err, credentials.ErrBusy):
		return &Problem{Type: ProblemTypeBase + KindBusy, Title: http.StatusText(http.StatusTooManyRequests), Status: http.StatusTooManyRequests,
			Detail: "password checks are saturated; retry shortly", retryAfter: "1"}
	case errors.Is(err, eventstore.ErrIdempotencyMismatch):
		return problem(422, KindIdempotencyMismatch, "this Idempotency-Key was used for another request")
	case errors.Is(err, app.ErrEventSchema):
		return problem(422, KindEventSchema, "the resulting event does not fit its schema; nothing was stored")
	case errors.Is(err, app.ErrUnknownActor):
		return problem(401, KindUnauthenticated, "the token's user is deleted or unknown; log in again")
	case errors.Is(err, app.ErrTokenRevoked):
		return problem(401, KindUnauthenticated, "the token was issued before the user's password, role or status last changed; log in again")
	case errors.As(err, &pg) && (pg.Code == "22021" || pg.Code == "22P05"):
		// NUL or a byte sequence PostgreSQL cannot store: bad input that slipped past a
		// check, never a 500 (it would page someone).
		return problem(422, KindValidation, "a value contains a NUL byte or characters that cannot be stored")
	case errors.Is(err, app.ErrBadCredentials):
		return problem(401, KindInvalidCredentials, "unknown user or wrong password")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return problem(503, KindUnavailable, "the request was cancelled or timed out")
	}
	return problem(500, KindInternal, "")
}

// lockedProblem is 429 locked-out with the lockout's time left as Retry-After.
func lockedProblem(le *app.LockedError) *Problem {
	p := problem(http.StatusTooManyRequests, KindLockedOut,
		"too many failed password checks for this username; retry later or ask an admin to clear the lockout")
	p.retryAfter = strconv.Itoa(max(int(math.Ceil(le.RetryAfter.Seconds())), 1))
	return p
}

func conflictDetail(err error) string {
	if errors.Is(err, user.ErrNotDeleted) {
		return "the user is not deleted"
	}
	return "the request conflicts with the user's state"
}

func claimProblem(ce *eventstore.ClaimError) *Problem {
	fields := map[string]string{}
	for _, c := range ce.Claims {
		fields[c.Kind] = "is already taken"
	}
	return fieldProblem(409, KindUniqueViolation, "a unique value is held by another user", fields)
}
