// Package schemas is Recall's event contract for Go: the Avro schemas of
// every event (embedded, one .avsc per event type and version), the event
// envelope, a fast Avro codec, the Confluent wire format, schema registration
// and the BACKWARD_TRANSITIVE compatibility check.
//
// It is a leaf module: import it without pulling in any other part of Recall.
//
// # Reading Recall's topics
//
// Recall publishes every event of an aggregate type to one topic,
// recall.<aggregate_type>.events (e.g. recall.user.events). The record key is
// the aggregate id; the value is Confluent-framed Avro (0x00, a 4-byte
// big-endian schema id, the Avro binary); the headers follow the CloudEvents
// Kafka binding (ce_id, ce_type such as recall.user.UserCreated.v2, ...).
// Each event type has its own record schema, registered under the subject
// <topic>-recall.user.<EventType>.
//
// A consumer needs a registry client and a Decoder:
//
//	cl, err := sr.NewClient(sr.URLs("http://127.0.0.1:8081"))
//	if err != nil { ... }
//	dec := schemas.NewDecoder(cl)
//	// for each kgo.Record r polled from recall.user.events:
//	ev, err := dec.Decode(ctx, r.Value)
//	if err != nil { ... } // errors.Is(err, schemas.ErrFraming), ErrMalformed, ErrRegistry, ...
//	switch ev.EventType {
//	case "UserCreated":
//		var d struct {
//			Username  string `json:"username"`
//			FirstName string `json:"first_name"`
//		}
//		err = json.Unmarshal(ev.Data, &d)
//	}
//
// Event.Data and Event.Metadata come back as plain JSON with the shapes of
// docs/contracts-internal.md, so the usual encoding/json structs work, and
// the Decoder caches each writer schema after its first lookup.
//
// Delivery is at-least-once: dedupe by Event.EventID (the ce_id header) or by
// (AggregateID, Revision). Revisions of one aggregate arrive in order;
// Event.SchemaVersion tells which shape Data has (UserCreated v1 carries
// full_name, v2 first_name and last_name).
//
// # Writing (the Recall side)
//
// Validate checks an event's data before it is stored. Register registers
// the catalog in its fixed order and returns the ids; Registered.AppendValue
// then builds a record value (franz-go's sr.ConfluentHeader, then
// AppendEncode) in one buffer.
// Catalog, Lookup and CurrentVersion describe the embedded schemas, and
// CheckCompatibility is what CI runs on every schema change.
package schemas
