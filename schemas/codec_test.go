package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"
)

func TestRoundTripEveryCatalogEntry(t *testing.T) {
	metadatas := map[string]string{
		"full":    fullMetadata,
		"partial": `{"actor_id":"a","actor_role":"user","reason":"why"}`,
		"empty":   `{}`,
	}
	for _, s := range Catalog() {
		for name, meta := range metadatas {
			t.Run(fmt.Sprintf("%s_v%d_%s", s.EventType, s.Version, name), func(t *testing.T) {
				in := sampleEvent(t, s.EventType, s.Version)
				in.Metadata = json.RawMessage(meta)
				b, err := Encode(in)
				if err != nil {
					t.Fatal(err)
				}
				out, err := Decode(b)
				if err != nil {
					t.Fatal(err)
				}
				assertEventEqual(t, out, in)
			})
		}
	}
}

func assertEventEqual(t *testing.T, got, want Event) {
	t.Helper()
	if got.EventID != want.EventID || got.AggregateType != want.AggregateType ||
		got.AggregateID != want.AggregateID || got.Revision != want.Revision ||
		got.EventType != want.EventType || got.SchemaVersion != want.SchemaVersion ||
		!got.RecordedAt.Equal(want.RecordedAt) || got.GlobalPosition != want.GlobalPosition {
		t.Errorf("envelope:\n got %+v\nwant %+v", got, want)
	}
	if !jsonEqual(t, got.Metadata, want.Metadata) {
		t.Errorf("metadata: got %s, want %s", got.Metadata, want.Metadata)
	}
	if !jsonEqual(t, got.Data, want.Data) {
		t.Errorf("data: got %s, want %s", got.Data, want.Data)
	}
}

// TestWireMatchesGoavroFullRecord proves the hand-written envelope produces
// the same bytes any Avro library expects: goavro's codec for the complete
// schema decodes them field by field.
func TestWireMatchesGoavroFullRecord(t *testing.T) {
	for _, s := range Catalog() {
		t.Run(fmt.Sprintf("%s_v%d", s.EventType, s.Version), func(t *testing.T) {
			full, err := goavro.NewCodecForStandardJSONFull(s.Text)
			if err != nil {
				t.Fatal(err)
			}
			in := sampleEvent(t, s.EventType, s.Version)
			b, err := Encode(in)
			if err != nil {
				t.Fatal(err)
			}
			native, rest, err := full.NativeFromBinary(b)
			if err != nil || len(rest) != 0 {
				t.Fatalf("goavro decode: %v (%d bytes left)", err, len(rest))
			}
			m := native.(map[string]any)
			if m["event_id"] != in.EventID || m["aggregate_id"] != in.AggregateID ||
				m["revision"] != in.Revision || m["schema_version"] != int32(in.SchemaVersion) ||
				m["global_position"] != in.GlobalPosition || m["event_type"] != in.EventType {
				t.Errorf("envelope mismatch: %v", m)
			}
			if ts, ok := m["recorded_at"].(time.Time); !ok || !ts.Equal(in.RecordedAt) {
				t.Errorf("recorded_at = %v, want %v", m["recorded_at"], in.RecordedAt)
			}
			// And the reverse: goavro's full encoding decodes with ours.
			again, err := full.BinaryFromNative(nil, native)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(b) {
				t.Errorf("goavro re-encoding differs:\n got %x\nwant %x", again, b)
			}
		})
	}
}

func TestDecodeKeepsNullsInData(t *testing.T) {
	in := sampleEvent(t, "UserUpdated", 1)
	in.Data = json.RawMessage(`{"first_name":null,"last_name":"L","email":null}`)
	b, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	// Field order is schema order; nulls stay (null = unchanged).
	if got, want := string(out.Data), `{"first_name":null,"last_name":"L","email":null}`; got != want {
		t.Errorf("data = %s, want %s", got, want)
	}
}

func TestDecodeOmitsEmptyMetadata(t *testing.T) {
	in := sampleEvent(t, "RoleChanged", 1)
	in.Metadata = nil
	b, err := Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Metadata) != `{}` {
		t.Errorf("metadata = %s, want {}", out.Metadata)
	}
}

func TestEncodeRefusals(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Event)
		wantErr error
	}{
		{"unknown type", func(e *Event) { e.EventType = "Nope" }, ErrUnknownSchema},
		{"unknown version", func(e *Event) { e.SchemaVersion = 9 }, ErrUnknownSchema},
		{"event id not uuid", func(e *Event) { e.EventID = "42" }, ErrInvalidEvent},
		{"aggregate id not uuid", func(e *Event) { e.AggregateID = "0193a3b0-0000-7000-8000-00000000abcZ" }, ErrInvalidEvent},
		{"data missing field", func(e *Event) { e.Data = json.RawMessage(`{"role":"admin"}`) }, ErrInvalidData},
		{"data not json", func(e *Event) { e.Data = json.RawMessage(`{`) }, ErrInvalidData},
		{"data empty", func(e *Event) { e.Data = nil }, ErrInvalidData},
		{"metadata unknown key", func(e *Event) { e.Metadata = json.RawMessage(`{"password":"x"}`) }, ErrInvalidData},
		{"metadata wrong type", func(e *Event) { e.Metadata = json.RawMessage(`{"actor_id":1}`) }, ErrInvalidData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleEvent(t, "RoleChanged", 1)
			tt.mutate(&e)
			dst := []byte("keep")
			out, err := AppendEncode(dst, e)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if string(out) != "keep" {
				t.Errorf("dst changed on error: %q", out)
			}
		})
	}
}

func TestCodecRefusesOtherEventType(t *testing.T) {
	c, err := CodecFor("UserDeleted", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Encode(sampleEvent(t, "UserRestored", 1)); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("err = %v, want ErrInvalidEvent", err)
	}
}

func TestDecodeRefusals(t *testing.T) {
	good, err := Encode(sampleEvent(t, "UserCreated", 2))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{"empty", nil, ErrMalformed},
		{"truncated envelope", good[:10], ErrMalformed},
		{"truncated data", good[:len(good)-3], ErrMalformed},
		{"trailing bytes", append(append([]byte{}, good...), 0), ErrMalformed},
		{"negative string length", []byte{0x01}, ErrMalformed},
		{"overlong varint", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Decode(tt.in); !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewCodecRefusesForeignLayouts(t *testing.T) {
	tests := map[string]string{
		"not json":       `{`,
		"not a record":   `"string"`,
		"too few fields": `{"type":"record","name":"X","fields":[{"name":"a","type":"string"}]}`,
		"renamed field":  replaceOnce(mustText(t, "UserDeleted", 1), `"event_id"`, `"id"`),
		"retyped field":  replaceOnce(mustText(t, "UserDeleted", 1), `"type": "long",`, `"type": "int",`),
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := NewCodec(text); !errors.Is(err, ErrUnsupportedSchema) {
				t.Fatalf("err = %v, want ErrUnsupportedSchema", err)
			}
		})
	}
}

func mustText(t *testing.T, eventType string, version int) string {
	t.Helper()
	s, err := Lookup(eventType, version)
	if err != nil {
		t.Fatal(err)
	}
	return s.Text
}

func replaceOnce(s, old, new string) string {
	if !strings.Contains(s, old) {
		panic("replaceOnce: " + old + " not found")
	}
	return strings.Replace(s, old, new, 1)
}

func TestIsUUID(t *testing.T) {
	for s, want := range map[string]bool{
		"0193a3b0-1c2d-7e3f-8a4b-5c6d7e8f9a0b":   true,
		"0193A3B0-1C2D-7E3F-8A4B-5C6D7E8F9A0B":   true,
		"0193a3b01c2d7e3f8a4b5c6d7e8f9a0b":       false,
		"{0193a3b0-1c2d-7e3f-8a4b-5c6d7e8f9a0b}": false,
		"0193a3b0-1c2d-7e3f-8a4b-5c6d7e8f9a0g":   false,
		"0193a3b0_1c2d-7e3f-8a4b-5c6d7e8f9a0b":   false,
		"":                                       false,
	} {
		if IsUUID(s) != want {
			t.Errorf("IsUUID(%q) = %v, want %v", s, !want, want)
		}
	}
}
