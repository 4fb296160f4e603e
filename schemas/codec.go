package schemas

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"
)

// Codec encodes Events to Avro binary with one writer schema and decodes
// Avro binary written with it. It is safe for concurrent use; build it once
// per schema (CodecFor caches the catalog's, Decoder caches the registry's).
//
// The ten-field envelope is written by hand; metadata and data go through
// goavro codecs compiled from the schema's inline records
// (NewCodecForStandardJSONFull, so plain JSON unions such as
// "first_name": null or "first_name": "Ada" work both ways).
type Codec struct {
	l *layout
}

// NewCodec compiles a writer schema that follows Recall's envelope layout.
func NewCodec(schemaText string) (*Codec, error) {
	l, err := parseLayout(schemaText)
	if err != nil {
		return nil, err
	}
	return &Codec{l: l}, nil
}

// FullName is the Avro full name of the codec's record, e.g.
// recall.user.UserCreated.
func (c *Codec) FullName() string { return c.l.fullName }

var catalogCodecs = sync.OnceValues(func() (map[schemaKey]*Codec, error) {
	m := map[schemaKey]*Codec{}
	for _, s := range loadCatalog().list {
		c, err := NewCodec(s.Text)
		if err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", s.Path, err)
		}
		m[schemaKey{s.EventType, s.Version}] = c
	}
	return m, nil
})

// CodecFor returns the cached codec of a catalog schema.
func CodecFor(eventType string, version int) (*Codec, error) {
	m, err := catalogCodecs()
	if err != nil {
		return nil, err
	}
	c, ok := m[schemaKey{eventType, version}]
	if !ok {
		return nil, fmt.Errorf("%w: %s v%d", ErrUnknownSchema, eventType, version)
	}
	return c, nil
}

// Encode encodes e with its catalog schema (e.EventType, e.SchemaVersion).
func Encode(e Event) ([]byte, error) { return AppendEncode(nil, e) }

// AppendEncode appends e's Avro encoding to dst: after a Confluent header
// (sr.ConfluentHeader), the relay builds a framed value in one buffer.
func AppendEncode(dst []byte, e Event) ([]byte, error) {
	c, err := CodecFor(e.EventType, e.SchemaVersion)
	if err != nil {
		return dst, err
	}
	return c.AppendEncode(dst, e)
}

// Decode decodes Avro binary written with a catalog schema. The envelope
// names the event type and version, so no schema id is needed; values from a
// registry should go through a Decoder, which uses the writer schema the id
// names.
func Decode(b []byte) (Event, error) {
	e, rest, err := decodeEnvelope(b)
	if err != nil {
		return Event{}, err
	}
	c, err := CodecFor(e.EventType, e.SchemaVersion)
	if err != nil {
		return Event{}, err
	}
	return c.decodeBody(e, rest)
}

// Encode encodes e with c's schema.
func (c *Codec) Encode(e Event) ([]byte, error) { return c.AppendEncode(nil, e) }

// AppendEncode appends e's encoding with c's schema to dst. On error dst is
// returned unchanged in length.
func (c *Codec) AppendEncode(dst []byte, e Event) ([]byte, error) {
	if e.EventType != c.l.name {
		return dst, fmt.Errorf("%w: event type %q encoded with schema %s", ErrInvalidEvent, e.EventType, c.l.fullName)
	}
	if !IsUUID(e.EventID) || !IsUUID(e.AggregateID) {
		return dst, fmt.Errorf("%w: %s: event_id %q and aggregate_id %q must be UUIDs", ErrInvalidEvent, c.l.fullName, e.EventID, e.AggregateID)
	}
	start := len(dst)
	b := appendString(dst, e.EventID)
	b = appendString(b, e.AggregateType)
	b = appendString(b, e.AggregateID)
	b = appendLong(b, e.Revision)
	b = appendString(b, e.EventType)
	b = appendLong(b, int64(e.SchemaVersion))
	b = appendLong(b, e.RecordedAt.UnixMicro())
	b = appendLong(b, e.GlobalPosition)
	meta := e.Metadata
	if len(meta) == 0 || string(meta) == "null" {
		meta = json.RawMessage("{}") // no metadata: every field takes its default
	}
	b, err := appendRecord(b, c.l.meta, meta)
	if err != nil {
		return dst[:start], fmt.Errorf("%s v%d metadata: %w", e.EventType, e.SchemaVersion, err)
	}
	if b, err = appendRecord(b, c.l.data, e.Data); err != nil {
		return dst[:start], fmt.Errorf("%s v%d data: %w", e.EventType, e.SchemaVersion, err)
	}
	return b, nil
}

// appendRecord is the whole of validation: JSON → goavro native → binary.
// Validate runs the same steps, so data that validates always encodes.
func appendRecord(dst []byte, r subRecord, text json.RawMessage) ([]byte, error) {
	if !utf8.Valid(text) {
		return dst, fmt.Errorf("%w: not valid UTF-8", ErrInvalidData)
	}
	if r.fast {
		return appendFastRecord(dst, r, text)
	}
	return appendGoavroRecord(dst, r, text)
}

// appendGoavroRecord is the general path, for records with field types the
// fast path does not know, and the reference the fast path is tested against.
func appendGoavroRecord(dst []byte, r subRecord, text json.RawMessage) ([]byte, error) {
	native, rest, err := r.codec.NativeFromTextual(text)
	if err != nil {
		return dst, fmt.Errorf("%w: %v", ErrInvalidData, err)
	}
	for _, ch := range rest {
		if ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r' {
			return dst, fmt.Errorf("%w: trailing bytes after the JSON object", ErrInvalidData)
		}
	}
	out, err := r.codec.BinaryFromNative(dst, native)
	if err != nil {
		return dst, fmt.Errorf("%w: %v", ErrInvalidData, err)
	}
	return out, nil
}

// Decode decodes Avro binary written with c's schema.
func (c *Codec) Decode(b []byte) (Event, error) {
	e, rest, err := decodeEnvelope(b)
	if err != nil {
		return Event{}, err
	}
	return c.decodeBody(e, rest)
}

func decodeEnvelope(b []byte) (Event, []byte, error) {
	var e Event
	var err error
	var micros int64
	if e.EventID, b, err = readString(b, "event_id"); err != nil {
		return e, nil, err
	}
	if e.AggregateType, b, err = readString(b, "aggregate_type"); err != nil {
		return e, nil, err
	}
	if e.AggregateID, b, err = readString(b, "aggregate_id"); err != nil {
		return e, nil, err
	}
	if e.Revision, b, err = readLong(b, "revision"); err != nil {
		return e, nil, err
	}
	if e.EventType, b, err = readString(b, "event_type"); err != nil {
		return e, nil, err
	}
	if e.SchemaVersion, b, err = readInt(b, "schema_version"); err != nil {
		return e, nil, err
	}
	if micros, b, err = readLong(b, "recorded_at"); err != nil {
		return e, nil, err
	}
	e.RecordedAt = time.UnixMicro(micros).UTC()
	if e.GlobalPosition, b, err = readLong(b, "global_position"); err != nil {
		return e, nil, err
	}
	return e, b, nil
}

func (c *Codec) decodeBody(e Event, b []byte) (Event, error) {
	var err error
	if e.Metadata, b, err = decodeRecord(b, c.l.meta, true); err != nil {
		return Event{}, fmt.Errorf("%s metadata: %w", c.l.fullName, err)
	}
	if e.Data, b, err = decodeRecord(b, c.l.data, false); err != nil {
		return Event{}, fmt.Errorf("%s data: %w", c.l.fullName, err)
	}
	if len(b) != 0 {
		return Event{}, fmt.Errorf("%w: %s: %d trailing bytes", ErrMalformed, c.l.fullName, len(b))
	}
	return e, nil
}

// decodeRecord turns one record back into the plain JSON it was written
// from. omitEmpty drops null and "" fields: that is how metadata is stored.
func decodeRecord(b []byte, r subRecord, omitEmpty bool) (json.RawMessage, []byte, error) {
	if r.fast {
		return decodeFastRecord(b, r, omitEmpty)
	}
	return decodeGoavroRecord(b, r, omitEmpty)
}

// decodeGoavroRecord is the general path and the fast path's reference.
func decodeGoavroRecord(b []byte, r subRecord, omitEmpty bool) (json.RawMessage, []byte, error) {
	native, rest, err := r.codec.NativeFromBinary(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	m, ok := native.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("%w: record decoded to %T", ErrMalformed, native)
	}
	if !r.simple {
		out, err := r.codec.TextualFromNative(nil, m)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		return out, rest, nil
	}
	out, err := appendSimpleJSON(make([]byte, 0, 64+16*len(r.names)), r, m, omitEmpty)
	if err != nil {
		return nil, nil, err
	}
	return out, rest, nil
}
