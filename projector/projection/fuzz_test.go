package projection

import (
	"context"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/schemas"
)

// offlineDecoder decodes with the embedded catalog: schema id 1000+i is the
// i-th catalog entry, anything else is unknown to the "registry". It keeps the
// fuzz target off the network while exercising schemas' real codec.
type offlineDecoder struct{ codecs map[int]*schemas.Codec }

func newOfflineDecoder(t testing.TB) offlineDecoder {
	d := offlineDecoder{codecs: map[int]*schemas.Codec{}}
	for i, s := range schemas.Catalog() {
		c, err := schemas.NewCodec(s.Text)
		if err != nil {
			t.Fatal(err)
		}
		d.codecs[1000+i] = c
	}
	return d
}

var errNoSuchSchema = errors.New("registry: schema not found")

func (d offlineDecoder) Decode(_ context.Context, value []byte) (schemas.Event, error) {
	id, payload, err := schemas.Unframe(value)
	if err != nil {
		return schemas.Event{}, err
	}
	c, ok := d.codecs[id]
	if !ok {
		return schemas.Event{}, errNoSuchSchema
	}
	return c.Decode(payload)
}

// FuzzDecodeRecord: arbitrary key, value and headers never panic the decoding
// path, and every failure is classified: poison for what can never decode,
// a bounded record error only for a schema id the registry lacks.
func FuzzDecodeRecord(f *testing.F) {
	dec := newOfflineDecoder(f)
	valid, err := schemas.Encode(schemas.Event{
		EventID: "0190b3a0-0000-7000-8000-000000000001", AggregateType: "user",
		AggregateID: "0190b3a0-0000-7000-8000-000000000002", Revision: 1, EventType: "RoleChanged",
		SchemaVersion: 1, Metadata: []byte(`{"actor_id":"a","actor_role":"admin"}`),
		Data: []byte(`{"role":"admin","previous_role":"user"}`),
	})
	if err != nil {
		f.Fatal(err)
	}
	var id int
	for i, s := range schemas.Catalog() {
		if s.EventType == "RoleChanged" {
			id = 1000 + i
		}
	}
	framed, _ := new(sr.ConfluentHeader).AppendEncode(nil, id, nil)
	framed = append(framed, valid...)
	f.Add([]byte("0190b3a0-0000-7000-8000-000000000002"), framed, "recall_revision", "1")
	f.Add([]byte("k"), framed, "ce_id", "x")
	f.Add([]byte(nil), []byte{0, 0, 0, 3, 232, 2}, "", "")
	f.Add([]byte("k"), []byte("garbage"), "recall_revision", "-1")
	r := &Runner{cfg: Config{Decoder: dec}}
	f.Fuzz(func(t *testing.T, key, value []byte, hk, hv string) {
		rec := &kgo.Record{Key: key, Value: value, Headers: []kgo.RecordHeader{{Key: hk, Value: []byte(hv)}}}
		msgs, failAt, err := r.decode(context.Background(), []*kgo.Record{rec})
		if err == nil {
			if failAt != 1 || len(msgs) != 1 || string(key) != msgs[0].Event.AggregateID {
				t.Fatalf("decoded without error but failAt=%d msgs=%d", failAt, len(msgs))
			}
			return
		}
		if failAt != 0 || len(msgs) != 0 {
			t.Fatalf("failed at %d with %d msgs", failAt, len(msgs))
		}
		switch c := Classify(err); {
		case errors.Is(err, errNoSuchSchema):
			// an unknown schema id: the offline registry's own error,
			// transient by Classify's rules (not a registry answer).
		case c != Poisoned:
			t.Fatalf("undecodable record classified %v, want poison: %v", c, err)
		}
		_ = clean(err.Error())
		_ = headerInt(rec, "recall_revision")
	})
}
