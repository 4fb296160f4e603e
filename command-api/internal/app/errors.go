package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/recall-events/recall/command-api/internal/credentials"
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
	// ErrTokenRevoked: a valid token issued before its user's last password change, role
	// change or deletion.
	ErrTokenRevoked = errors.New("app: the token was issued before the user's last password, role or status change")
	// ErrActorChanged: the actor's user moved after its role and token were checked (the
	// append's guard on the actor's stream failed); nothing was stored. Check the actor
	// again and retry.
	ErrActorChanged = errors.New("app: the actor's user changed since its role was checked")
	// ErrLastAdmin: the command would leave no active admin (demoting or deleting the
	// last one); nobody could administer afterwards.
	ErrLastAdmin = errors.New("app: the last active admin cannot be demoted or deleted")
	// ErrLockedOut: too many failed password checks for this username; the concrete
	// error is a *LockedError saying for how long.
	ErrLockedOut = errors.New("app: too many failed password checks; locked for now")
)

// LockedError is ErrLockedOut with the time left.
type LockedError struct{ RetryAfter time.Duration }

func (e *LockedError) Error() string {
	return fmt.Sprintf("%v (%s left)", ErrLockedOut, e.RetryAfter.Round(time.Second))
}

// Unwrap makes it ErrLockedOut.
func (e *LockedError) Unwrap() error { return ErrLockedOut }

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
	case errors.Is(err, user.ErrForgotten):
		return "forgotten"
	case errors.Is(err, eventstore.ErrClaimTaken), errors.Is(err, user.ErrConflict),
		errors.Is(err, user.ErrAlreadyExists), errors.Is(err, ErrTooManyConflicts), errors.Is(err, ErrActorChanged):
		return "conflict"
	case errors.Is(err, ErrPreconditionFailed):
		return "precondition"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrLastAdmin):
		return "last_admin"
	case errors.Is(err, ErrLockedOut):
		return "locked_out"
	case errors.Is(err, credentials.ErrBusy):
		return "busy"
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
