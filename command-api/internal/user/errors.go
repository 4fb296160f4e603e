package user

import "errors"

// Sentinel errors of the aggregate's decisions. Callers match them with
// errors.Is; decisions wrap them with the stream id so a log line says which
// user was meant. The HTTP layer maps each to one status code: ErrNotFound
// 404, ErrDeleted 410, ErrAlreadyExists and ErrConflict 409, ErrValidation
// 422.
var (
	// ErrNotFound: the stream has no UserCreated event yet.
	ErrNotFound = errors.New("user not found")
	// ErrAlreadyExists: CreateUser on a stream that already holds a user
	// (active or deleted: ids are never reused).
	ErrAlreadyExists = errors.New("user already exists")
	// ErrDeleted: the user is deleted, so nothing but RestoreUser applies.
	ErrDeleted = errors.New("user is deleted")
	// ErrForgotten: the person was forgotten (UserForgotten); nothing applies
	// any more, not even RestoreUser. HTTP answers 410 with kind "forgotten".
	ErrForgotten = errors.New("user is forgotten")
	// ErrConflict: the command contradicts the user's current state.
	ErrConflict = errors.New("user state conflict")
	// ErrNotDeleted: RestoreUser on an active user. It is an ErrConflict.
	ErrNotDeleted = &conflictError{msg: "user is not deleted"}
	// ErrValidation: the command's input is invalid; the concrete error is
	// a *ValidationError listing every field problem.
	ErrValidation = errors.New("invalid input")
)

// Errors of rebuilding and decoding. They mean stored data this code cannot
// use, not a client mistake.
var (
	// ErrCorruptStream: a recorded event does not fit the aggregate (a gap
	// in revisions, an event before UserCreated, a second UserCreated).
	ErrCorruptStream = errors.New("corrupt user stream")
	// ErrUnknownEventType: an event_type this package does not know.
	ErrUnknownEventType = errors.New("unknown event type")
	// ErrUnsupportedVersion: a schema_version with no upcaster path to the
	// current one (for instance written by a newer release).
	ErrUnsupportedVersion = errors.New("unsupported schema version")
	// ErrMalformedEvent: event data that is not the JSON its type demands.
	ErrMalformedEvent = errors.New("malformed event data")
	// ErrIncompatibleState: a State snapshot written by another StateVersion
	// or not describing an existing user; rebuild from the events instead.
	ErrIncompatibleState = errors.New("incompatible user state snapshot")
)

// conflictError is a named conflict that is also ErrConflict, so callers can
// match the precise reason or the general kind.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }
func (e *conflictError) Unwrap() error { return ErrConflict }
