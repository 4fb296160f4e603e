package eventstore

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Event is one stored event, as the events table holds it.
type Event struct {
	EventID        uuid.UUID
	AggregateType  string
	AggregateID    uuid.UUID
	Revision       int64
	EventType      string
	SchemaVersion  int
	RecordedAt     time.Time
	Data           json.RawMessage // the exact bytes written
	Metadata       json.RawMessage // see Metadata
	GlobalPosition int64
}

// NewEvent is an event to append; the store assigns revision, recorded_at and position.
type NewEvent struct {
	// EventID is the event's identity downstream; zero means a new UUIDv7.
	EventID       uuid.UUID
	EventType     string
	SchemaVersion int
	Data          json.RawMessage
	Metadata      Metadata
}

// Metadata says who caused an event and why. The actor comes from the authenticated
// caller, never from a request body.
type Metadata struct {
	ActorID   string `json:"actor_id,omitempty"`
	ActorRole string `json:"actor_role,omitempty"`
	Reason    string `json:"reason,omitempty"`
	// ReasonSealed is Reason sealed with the person's data key (free text may name
	// them); events written since the sealed schema versions carry this, not Reason,
	// except UserForgotten, whose reason outlives the person.
	ReasonSealed   string `json:"reason_sealed,omitempty"`
	CorrelationID  string `json:"correlation_id,omitempty"`
	CausationID    string `json:"causation_id,omitempty"`
	RequestID      string `json:"request_id,omitempty"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	Traceparent    string `json:"traceparent,omitempty"`
}

// DecodeMetadata parses a stored metadata column.
func DecodeMetadata(raw json.RawMessage) (Metadata, error) {
	var m Metadata
	err := json.Unmarshal(raw, &m)
	return m, err
}

// Recorded is what the store assigned to one appended event.
type Recorded struct {
	EventID        uuid.UUID
	Revision       int64
	GlobalPosition int64
	RecordedAt     time.Time
}
