package schemas

import (
	"context"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/sr"
)

// Decoder decodes Kafka record values (Confluent-framed Avro) into Events,
// fetching each writer schema from the registry once by its id. Safe for
// concurrent use.
type Decoder struct {
	cl       *sr.Client
	verifier *Keyring

	mu    sync.RWMutex
	byID  map[int]*Codec
	fetch sync.Mutex // one registry round trip at a time; hits skip it
}

// DecoderOption configures a Decoder.
type DecoderOption func(*Decoder)

// Verifier makes DecodeRecord check every record's signature with k (records the relay
// signed, see Keyring): an unsigned or badly signed record is an error wrapping
// ErrSignature, and is not decoded. nil verifies nothing.
func Verifier(k *Keyring) DecoderOption { return func(d *Decoder) { d.verifier = k } }

// NewDecoder returns a Decoder that resolves schema ids through cl.
func NewDecoder(cl *sr.Client, opts ...DecoderOption) *Decoder {
	d := &Decoder{cl: cl, byID: map[int]*Codec{}}
	for _, o := range opts {
		o(d)
	}
	return d
}

// DecodeRecord verifies a whole record when the Decoder has a Verifier, then decodes its
// value. Consumers that hold the signing key use it rather than Decode, which sees the
// value alone.
func (d *Decoder) DecodeRecord(ctx context.Context, key, value []byte, headers []Header) (Event, error) {
	if d.verifier != nil {
		if err := d.verifier.Verify(key, value, headers); err != nil {
			return Event{}, err
		}
	}
	return d.Decode(ctx, value)
}

// Decode decodes one framed record value. ctx bounds the registry lookup the
// first time a schema id is seen.
func (d *Decoder) Decode(ctx context.Context, value []byte) (Event, error) {
	id, payload, err := Unframe(value)
	if err != nil {
		return Event{}, err
	}
	c, err := d.Codec(ctx, id)
	if err != nil {
		return Event{}, err
	}
	e, err := c.Decode(payload)
	if err != nil {
		return Event{}, fmt.Errorf("schema id %d: %w", id, err)
	}
	return e, nil
}

// Codec returns the codec of writer schema id, fetching and compiling it on
// first use.
func (d *Decoder) Codec(ctx context.Context, id int) (*Codec, error) {
	d.mu.RLock()
	c, ok := d.byID[id]
	d.mu.RUnlock()
	if ok {
		return c, nil
	}
	d.fetch.Lock()
	defer d.fetch.Unlock()
	d.mu.RLock()
	c, ok = d.byID[id]
	d.mu.RUnlock()
	if ok {
		return c, nil
	}
	s, err := d.cl.SchemaByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%w: fetch schema id %d: %w", ErrRegistry, id, err)
	}
	if s.Type != sr.TypeAvro {
		return nil, fmt.Errorf("%w: schema id %d is %v, not Avro", ErrUnsupportedSchema, id, s.Type)
	}
	if c, err = NewCodec(s.Schema); err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	d.mu.Lock()
	d.byID[id] = c
	d.mu.Unlock()
	return c, nil
}
