package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
)

// The fast path (jsonin.go, jsonout.go) is kept because of these numbers:
// the same events, as the relay encodes them and a consumer decodes them,
// through three codecs.
//
//   - fast: this package's codec (hand-written envelope, fast JSON ↔ Avro).
//   - goavro: the same codec with the fast path switched off, so metadata and
//     data go JSON → goavro native → binary (the general path it falls back to).
//   - hamba: hamba/avro/v2 on the whole record from Go maps, JSON decoded with
//     encoding/json and re-encoded after decoding: what an implementation
//     without our own JSON code would do.
//
// hamba is already a dependency of this module (the compatibility check), so
// the comparison adds nothing to go.mod and stays beside the code it measures.
//
//	go test -run '^$' -bench BenchmarkCodecs ./schemas
//
// TestCodecsAgree checks first that the three produce the same bytes and JSON,
// so the benchmark compares equal work.

type comparedCodec struct {
	name   string
	encode func(dst []byte, e Event) ([]byte, error)
	decode func(b []byte) (Event, error)
}

func comparedCodecs(t testing.TB, s Schema) []comparedCodec {
	t.Helper()
	fast, err := NewCodec(s.Text)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := NewCodec(s.Text)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*subRecord{&slow.l.meta, &slow.l.data} {
		r.fast = false
	}
	h, err := avro.ParseWithCache(s.Text, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	return []comparedCodec{
		{"fast", fast.AppendEncode, fast.Decode},
		{"goavro", slow.AppendEncode, slow.Decode},
		{"hamba", func(dst []byte, e Event) ([]byte, error) { return hambaEncode(h, dst, e) },
			func(b []byte) (Event, error) { return hambaDecode(h, b) }},
	}
}

func hambaEncode(s avro.Schema, dst []byte, e Event) ([]byte, error) {
	var meta, data map[string]any
	if err := json.Unmarshal(e.Metadata, &meta); err != nil {
		return dst, err
	}
	if err := json.Unmarshal(e.Data, &data); err != nil {
		return dst, err
	}
	b, err := avro.Marshal(s, map[string]any{
		"event_id": e.EventID, "aggregate_type": e.AggregateType, "aggregate_id": e.AggregateID,
		"revision": e.Revision, "event_type": e.EventType, "schema_version": e.SchemaVersion,
		"recorded_at": e.RecordedAt, "global_position": e.GlobalPosition,
		"metadata": meta, "data": data,
	})
	return append(dst, b...), err
}

func hambaDecode(s avro.Schema, b []byte) (Event, error) {
	var m map[string]any
	if err := avro.Unmarshal(s, b, &m); err != nil {
		return Event{}, err
	}
	meta := m["metadata"].(map[string]any)
	for k, v := range meta {
		if v == nil || v == "" {
			delete(meta, k) // metadata is stored without its empty fields
		}
	}
	e := Event{
		EventID: m["event_id"].(string), AggregateType: m["aggregate_type"].(string),
		AggregateID: m["aggregate_id"].(string), Revision: m["revision"].(int64),
		EventType: m["event_type"].(string), SchemaVersion: m["schema_version"].(int),
		RecordedAt: m["recorded_at"].(time.Time).UTC(), GlobalPosition: m["global_position"].(int64),
	}
	var err error
	if e.Metadata, err = json.Marshal(meta); err != nil {
		return e, err
	}
	e.Data, err = json.Marshal(m["data"])
	return e, err
}

func TestCodecsAgree(t *testing.T) {
	for _, s := range Catalog() {
		e := sampleEvent(t, s.EventType, s.Version)
		codecs := comparedCodecs(t, s)
		want, err := codecs[0].encode(nil, e)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codecs {
			got, err := c.encode(nil, e)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s v%d %s: encode %x, %v; fast wrote %x", s.EventType, s.Version, c.name, got, err, want)
				continue
			}
			d, err := c.decode(want)
			if err != nil || !jsonEqual(t, d.Data, e.Data) || !jsonEqual(t, d.Metadata, e.Metadata) ||
				!d.RecordedAt.Equal(e.RecordedAt) || d.GlobalPosition != e.GlobalPosition {
				t.Errorf("%s v%d %s: decode %+v, %v", s.EventType, s.Version, c.name, d, err)
			}
		}
	}
}

func BenchmarkCodecs(b *testing.B) {
	for _, s := range Catalog() {
		e := sampleEvent(b, s.EventType, s.Version)
		for _, c := range comparedCodecs(b, s) {
			name := fmt.Sprintf("%s.v%d/%s", s.EventType, s.Version, c.name)
			b.Run("encode/"+name, func(b *testing.B) {
				buf := make([]byte, 0, 1024)
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if buf, err = c.encode(buf[:0], e); err != nil {
						b.Fatal(err)
					}
				}
			})
			v, err := c.encode(nil, e)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("decode/"+name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := c.decode(v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
