package schemas

import "errors"

// Sentinel errors. Every error this package returns wraps one of them, so
// callers branch with errors.Is and still get a message that says what and
// where.
var (
	// ErrUnknownSchema: no catalog entry (or registry schema) for the event
	// type and version, or for the schema id.
	ErrUnknownSchema = errors.New("schemas: unknown schema")
	// ErrInvalidData: an event's data or metadata does not match its Avro
	// schema (missing field, wrong type, unknown field, not JSON).
	ErrInvalidData = errors.New("schemas: data does not match its schema")
	// ErrInvalidEvent: an envelope field is unusable (e.g. an id that is not a
	// UUID), so the event cannot be encoded.
	ErrInvalidEvent = errors.New("schemas: invalid event envelope")
	// ErrMalformed: Avro bytes that do not decode with their writer schema
	// (truncated, corrupt, trailing bytes).
	ErrMalformed = errors.New("schemas: malformed avro value")
	// ErrFraming: a value that is not in the Confluent wire format (too short,
	// wrong magic byte).
	ErrFraming = errors.New("schemas: bad confluent framing")
	// ErrUnsupportedSchema: a schema that does not follow Recall's envelope
	// layout, so this package's codec cannot handle it.
	ErrUnsupportedSchema = errors.New("schemas: unsupported schema layout")
	// ErrIncompatible: a schema version cannot read data written with an
	// earlier version (BACKWARD_TRANSITIVE is broken).
	ErrIncompatible = errors.New("schemas: incompatible schema evolution")
	// ErrRegistry: the schema registry refused or failed a request.
	ErrRegistry = errors.New("schemas: schema registry")
)
