package projection

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/schemas"
)

// ErrPoison marks a record that can never be handled: it goes to the
// dead-letter topic at once. Handlers wrap their own such errors with Poison.
var ErrPoison = errors.New("projection: poison record")

// Poison wraps err as ErrPoison.
func Poison(err error) error { return fmt.Errorf("%w: %w", ErrPoison, err) }

// GapError: an event arrived whose revision is beyond the next one the read
// model expects. Never skipped: the partition waits until the gap closes.
type GapError struct {
	AggregateID string
	Stored      int64 // revision in the read model
	Got         int64 // revision of the record
}

func (e *GapError) Error() string {
	return fmt.Sprintf("projection: gap in %s: stored revision %d, got %d", e.AggregateID, e.Stored, e.Got)
}

// IntegrityError: a record carries a revision the read model already applied, but
// with another event id. One of the two was not written by the event store (a forged
// record, or one replayed from another stream): never skipped, never applied; the
// partition waits, alarmed, until someone looks.
type IntegrityError struct {
	AggregateID     string
	Revision        int64
	AppliedEventID  string // the event id the read model applied at Revision
	ReceivedEventID string
}

func (e *IntegrityError) Error() string {
	return fmt.Sprintf("projection: integrity alarm: %s revision %d was applied as event %s, record says event %s",
		e.AggregateID, e.Revision, e.AppliedEventID, e.ReceivedEventID)
}

// Class is how the runtime treats a failure.
type Class int

// The classes, from the mildest.
const (
	// Transient: retry with backoff without limit (infrastructure).
	Transient Class = iota
	// Gap: retry with backoff without limit; counted and logged as a gap.
	Gap
	// Integrity: retry with backoff without limit; counted and logged as an
	// integrity alarm.
	Integrity
	// RecordError: retry MaxAttempts times, then dead-letter.
	RecordError
	// Poisoned: dead-letter at once.
	Poisoned
)

func (c Class) String() string {
	return [...]string{"transient", "gap", "integrity", "record", "poison"}[c]
}

// Classify tells how to treat err from decoding or handling a record.
func Classify(err error) Class {
	var gap *GapError
	var integrity *IntegrityError
	var pe *pgconn.PgError
	var re *sr.ResponseError
	switch {
	case errors.As(err, &gap):
		return Gap
	case errors.As(err, &integrity):
		return Integrity
	case errors.Is(err, ErrPoison), errors.Is(err, schemas.ErrSignature),
		errors.Is(err, schemas.ErrFraming), errors.Is(err, schemas.ErrMalformed),
		errors.Is(err, schemas.ErrUnsupportedSchema), errors.Is(err, schemas.ErrUnknownSchema),
		errors.Is(err, schemas.ErrInvalidData), errors.Is(err, schemas.ErrInvalidEvent):
		return Poisoned
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return Transient
	case errors.As(err, &re):
		// The registry answered: a schema it does not have may be registered
		// shortly (a restarted in-memory registry); anything else 4xx is about
		// this record. 5xx is the registry's own trouble.
		if re.StatusCode >= http.StatusInternalServerError {
			return Transient
		}
		return RecordError
	case errors.As(err, &pe):
		return classifyPg(pe)
	}
	// Connection failures and other errors without a server answer: the
	// database or network, not the record.
	return Transient
}

// classifyPg: only data exceptions (22) and integrity violations (23) are
// about what this record asked for. Everything else — connection, resources,
// serialization, a missing table, permissions — is the server's or the
// deployment's state, and dead-lettering records for it would lose them.
func classifyPg(pe *pgconn.PgError) Class {
	if len(pe.Code) >= 2 && (pe.Code[:2] == "22" || pe.Code[:2] == "23") {
		return RecordError
	}
	return Transient
}
