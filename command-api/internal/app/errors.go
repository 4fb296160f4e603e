package app

import (
	"context"
	"errors"

	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
)

var (
	// ErrForbidden: the actor's role does not allow the command on this user.
	ErrForbidden = errors.New("app: forbidden")
	// ErrPreconditionFailed: the stream is not at the revision the caller expected.
	ErrPreconditionFailed = errors.New("app: stream is not at the expected revision")
	// ErrTooManyConflicts: other writers kept winning for every retry.
	ErrTooManyConflicts = errors.New("app: concurrency conflicts exhausted the retries")
	// ErrEventSchema: a decided event does not fit its Avro schema; nothing was stored.
	ErrEventSchema = errors.New("app: event does not match its schema")
	// ErrBadCredentials: unknown user, wrong password, or a deleted user at login.
	ErrBadCredentials = errors.New("app: bad credentials")
	// ErrUnknownActor: a valid token whose user no longer exists or is deleted.
	ErrUnknownActor = errors.New("app: the token's user is deleted or unknown")
)

// Outcome names err for the commands metric and logs.
func Outcome(err error) string {
	var ve *user.ValidationError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ve):
		return "validation"
	case errors.Is(err, user.ErrNotFound):
		return "not_found"
	case errors.Is(err, user.ErrDeleted):
		return "deleted"
	case errors.Is(err, eventstore.ErrClaimTaken), errors.Is(err, user.ErrConflict),
		errors.Is(err, user.ErrAlreadyExists), errors.Is(err, ErrTooManyConflicts):
		return "conflict"
	case errors.Is(err, ErrPreconditionFailed):
		return "precondition"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrUnknownActor):
		return "unauthenticated"
	case errors.Is(err, eventstore.ErrIdempotencyMismatch):
		return "idempotency_mismatch"
	case errors.Is(err, ErrEventSchema):
		return "schema"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "error"
}

// validation is a one-field validation error in the domain's shape, so the HTTP layer
// renders all 422s alike.
func validation(field, msg string) error {
	return &user.ValidationError{Fields: map[string]string{field: msg}}
}
