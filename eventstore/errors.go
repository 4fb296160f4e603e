package eventstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

var (
	// ErrConcurrency: the stream was not at the expected revision.
	ErrConcurrency = errors.New("eventstore: concurrency conflict")
	// ErrClaimTaken: a unique value is held by another stream.
	ErrClaimTaken = errors.New("eventstore: unique value already claimed")
	// ErrIdempotencyMismatch: an idempotency key was reused with another request.
	ErrIdempotencyMismatch = errors.New("eventstore: idempotency key reused with a different request")
	// ErrIdempotencyReplay: another request with this key committed (or is committing)
	// first; look it up and answer with its response.
	ErrIdempotencyReplay = errors.New("eventstore: idempotency key already used")
	// ErrGuard: a stream an append was guarded on was not at the expected revision.
	ErrGuard = errors.New("eventstore: guarded stream moved")
	// ErrInvalidAppend: the append request itself is malformed.
	ErrInvalidAppend = errors.New("eventstore: invalid append")
	// ErrStreamNotFound: the stream has no event (at all, or by the instant asked).
	ErrStreamNotFound = errors.New("eventstore: stream not found")
)

// ConcurrencyError says what the append expected and what it found.
type ConcurrencyError struct {
	AggregateID uuid.UUID
	Expected    ExpectedRevision
	Actual      int64 // -1 when unknown
}

func (e *ConcurrencyError) Error() string {
	if e.Actual < 0 {
		return fmt.Sprintf("eventstore: stream %s: expected %s", e.AggregateID, e.Expected)
	}
	return fmt.Sprintf("eventstore: stream %s: expected %s, found revision %d", e.AggregateID, e.Expected, e.Actual)
}

func (e *ConcurrencyError) Unwrap() error { return ErrConcurrency }

// GuardError says which guarded stream moved: Actual is its revision when checked (0:
// no such stream).
type GuardError struct {
	AggregateID uuid.UUID
	Expected    int64
	Actual      int64
}

func (e *GuardError) Error() string {
	return fmt.Sprintf("eventstore: guarded stream %s: expected revision %d, found %d", e.AggregateID, e.Expected, e.Actual)
}

func (e *GuardError) Unwrap() error { return ErrGuard }

// ClaimError names the unique values another stream holds.
type ClaimError struct {
	Claims []Claim
}

func (e *ClaimError) Error() string {
	parts := make([]string, len(e.Claims))
	for i, c := range e.Claims {
		parts[i] = c.Kind
	}
	return "eventstore: already claimed: " + strings.Join(parts, ", ")
}

func (e *ClaimError) Unwrap() error { return ErrClaimTaken }

// IsImmutableViolation reports whether err is the events table refusing an UPDATE,
// DELETE or TRUNCATE (SQLSTATE RC001, raised by its trigger).
func IsImmutableViolation(err error) bool {
	var pe interface{ SQLState() string }
	return errors.As(err, &pe) && pe.SQLState() == "RC001"
}
