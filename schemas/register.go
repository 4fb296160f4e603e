package schemas

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"
)

// Registration is one catalog schema as registered for a topic.
type Registration struct {
	Schema
	Subject        string // <topic>-<full name> (TopicRecordNameStrategy)
	ID             int    // the registry's global schema id: what the frame header carries
	SubjectVersion int    // the version of the schema within its subject
}

// Registered is the outcome of Register: the schema id of every (event type,
// version) on one topic. The relay frames with it; it is read-only after
// Register returns, so safe for concurrent use.
type Registered struct {
	Topic   string
	Entries []Registration // catalog order
	ids     map[schemaKey]int
}

// ID returns the schema id of (eventType, version), or an error wrapping
// ErrUnknownSchema.
func (r Registered) ID(eventType string, version int) (int, error) {
	id, ok := r.ids[schemaKey{eventType, version}]
	if !ok {
		return 0, fmt.Errorf("%w: %s v%d is not registered for %s", ErrUnknownSchema, eventType, version, r.Topic)
	}
	return id, nil
}

// AppendValue appends e as a Kafka record value: frame header with e's schema
// id, then the Avro encoding.
func (r Registered) AppendValue(dst []byte, e Event) ([]byte, error) {
	id, err := r.ID(e.EventType, e.SchemaVersion)
	if err != nil {
		return dst, err
	}
	start := len(dst)
	out, err := AppendEncode(appendHeader(dst, id), e)
	if err != nil {
		return dst[:start], err
	}
	return out, nil
}

// Register checks the catalog's compatibility, sets each subject to
// BACKWARD_TRANSITIVE, and registers every catalog schema under
// <topic>-<full name> in catalog order. Registering is idempotent: a schema
// already there keeps its id. Because the order is fixed, a fresh in-memory
// registry (srfake) hands out the same ids at every start.
func Register(ctx context.Context, cl *sr.Client, topic string) (Registered, error) {
	if err := CheckCompatibility(); err != nil {
		return Registered{}, err
	}
	reg := Registered{Topic: topic, ids: map[schemaKey]int{}}
	subjects := map[string]bool{}
	for _, s := range loadCatalog().list {
		subject := s.Subject(topic)
		if !subjects[subject] {
			subjects[subject] = true
			// Before the first version, so a real registry enforces the
			// same rule on anyone else who registers under the subject.
			res := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatBackwardTransitive}, subject)
			for _, r := range res {
				if r.Err != nil {
					return Registered{}, fmt.Errorf("%w: set compatibility of %s: %w", ErrRegistry, subject, r.Err)
				}
			}
		}
		ss, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: s.Text, Type: sr.TypeAvro})
		if err != nil {
			return Registered{}, fmt.Errorf("%w: register %s (%s v%d): %w", ErrRegistry, subject, s.EventType, s.Version, err)
		}
		reg.Entries = append(reg.Entries, Registration{Schema: s, Subject: subject, ID: ss.ID, SubjectVersion: ss.Version})
		reg.ids[schemaKey{s.EventType, s.Version}] = ss.ID
	}
	return reg, nil
}
