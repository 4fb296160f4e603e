package schemas

import (
	"encoding/json"
	"time"
)

// Event is the one shape of a Recall event everywhere: a row of the event
// store, the Avro record on Kafka, and what consumers get back from Decode.
//
// Data and Metadata are plain JSON (snake_case keys), exactly the shapes
// listed in docs/contracts-internal.md; the Avro codec translates them to and
// from their typed records.
type Event struct {
	EventID        string          `json:"event_id"`
	AggregateType  string          `json:"aggregate_type"`
	AggregateID    string          `json:"aggregate_id"`
	Revision       int64           `json:"revision"`
	EventType      string          `json:"event_type"`
	SchemaVersion  int             `json:"schema_version"`
	RecordedAt     time.Time       `json:"recorded_at"`
	GlobalPosition int64           `json:"global_position"`
	Metadata       json.RawMessage `json:"metadata"`
	Data           json.RawMessage `json:"data"`
}

// CEType is the CloudEvents type of the event, as sent in the ce_type header:
// recall.<aggregate_type>.<event_type>.v<schema_version>.
func (e Event) CEType() string {
	return "recall." + e.AggregateType + "." + e.EventType + ".v" + itoa(e.SchemaVersion)
}
