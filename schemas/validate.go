package schemas

import (
	"encoding/json"
	"fmt"
)

// Validate checks an event's plain-JSON data against the Avro schema of
// (eventType, version): unknown type or version (ErrUnknownSchema), not JSON,
// a missing field without default, a wrong type, or an unknown field
// (ErrInvalidData). It runs exactly the conversion the encoder runs, so the
// command side calls it before appending and the relay never meets an event
// it cannot encode.
func Validate(eventType string, version int, data json.RawMessage) error {
	c, err := CodecFor(eventType, version)
	if err != nil {
		return err
	}
	if _, err := appendRecord(nil, c.l.data, data); err != nil {
		return fmt.Errorf("%s v%d data: %w", eventType, version, err)
	}
	return nil
}

// ValidateMetadata checks metadata JSON against the Metadata record of the
// current versions (the same in every current schema). Missing keys take their defaults, as empty ones are
// omitted from the stored JSON.
func ValidateMetadata(metadata json.RawMessage) error {
	s := loadCatalog().list[0]
	c, err := CodecFor(s.EventType, CurrentVersion(s.EventType))
	if err != nil {
		return err
	}
	if _, err := appendRecord(nil, c.l.meta, metadata); err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	return nil
}
