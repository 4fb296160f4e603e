package schemas

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Personal data in Recall events is sealed field by field with the person's data key
// (crypto-shredding: deleting the key erases every copy of the data, on Kafka, in DLQs,
// in backups of the event store). A sealed value is one string,
//
//	rcl1.<key_id>.<nonce>.<ciphertext>
//
// key_id names the data key (a UUID, the subject_keys row), nonce is 12 random bytes
// and ciphertext is AES-256-GCM's output with its tag; both base64url without padding.
// The associated data is "<aggregate_type>/<aggregate_id>/<field>", so a value moved to
// another field or another person fails to open rather than lying. The schema marks each
// sealed field with "recall.sealed": true (SealedFields lists them).

// SealedPrefix starts every sealed value.
const SealedPrefix = "rcl1."

// DataKeySize is the size of a data key: AES-256.
const DataKeySize = 32

// ErrSealed: a sealed value that does not parse, or that its key does not open (tampered,
// moved, or sealed with another key).
var ErrSealed = errors.New("schemas: sealed value cannot be opened")

// ErasedMarker is what an opened event shows in place of a personal field whose key is
// gone: the person was forgotten. It is JSON, never a string, so it cannot be mistaken
// for a value. Personal decodes it.
var ErasedMarker = json.RawMessage(`{"erased":true}`)

// KeyProvider returns data keys. DataKey returns the raw 32-byte key keyID of subject
// (the aggregate id); a nil key with a nil error means the key was deleted: the subject
// was forgotten. Errors are for failures (a database down), never for "no such key".
type KeyProvider interface {
	DataKey(ctx context.Context, subjectID, keyID string) ([]byte, error)
}

// DataKey is one subject's data key, ready to seal and open. Safe for concurrent use.
type DataKey struct {
	id   string
	aead cipher.AEAD
}

// NewDataKey wraps the raw key of id.
func NewDataKey(id string, raw []byte) (*DataKey, error) {
	if len(raw) != DataKeySize {
		return nil, fmt.Errorf("%w: data key %s has %d bytes, want %d", ErrSealed, id, len(raw), DataKeySize)
	}
	if id == "" || strings.Contains(id, ".") {
		return nil, fmt.Errorf("%w: bad data key id %q", ErrSealed, id)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &DataKey{id: id, aead: aead}, nil
}

// ID is the key's id, as sealed values name it.
func (k *DataKey) ID() string { return k.id }

func associated(aggregateType, aggregateID, field string) []byte {
	return []byte(aggregateType + "/" + strings.ToLower(aggregateID) + "/" + field)
}

// Seal seals plaintext as field of aggregate (type, id) with a fresh random nonce.
func (k *DataKey) Seal(aggregateType, aggregateID, field, plaintext string) (string, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := k.aead.Seal(nil, nonce, []byte(plaintext), associated(aggregateType, aggregateID, field))
	enc := base64.RawURLEncoding
	var b strings.Builder
	b.Grow(len(SealedPrefix) + len(k.id) + 2 + enc.EncodedLen(len(nonce)) + enc.EncodedLen(len(ct)))
	b.WriteString(SealedPrefix)
	b.WriteString(k.id)
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(nonce))
	b.WriteByte('.')
	b.WriteString(enc.EncodeToString(ct))
	return b.String(), nil
}

// Open opens a value Seal made for the same aggregate and field.
func (k *DataKey) Open(aggregateType, aggregateID, field, sealed string) (string, error) {
	keyID, nonce, ct, err := ParseSealed(sealed)
	if err != nil {
		return "", err
	}
	if keyID != k.id {
		return "", fmt.Errorf("%w: %s is sealed with key %s, not %s", ErrSealed, field, keyID, k.id)
	}
	if len(nonce) != k.aead.NonceSize() {
		return "", fmt.Errorf("%w: %s: nonce of %d bytes", ErrSealed, field, len(nonce))
	}
	pt, err := k.aead.Open(nil, nonce, ct, associated(aggregateType, aggregateID, field))
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrSealed, field, err)
	}
	return string(pt), nil
}

// IsSealed reports whether s has the form of a sealed value.
func IsSealed(s string) bool { return strings.HasPrefix(s, SealedPrefix) }

// ParseSealed splits a sealed value into its key id, nonce and ciphertext.
func ParseSealed(s string) (keyID string, nonce, ciphertext []byte, err error) {
	rest, ok := strings.CutPrefix(s, SealedPrefix)
	parts := strings.Split(rest, ".")
	if !ok || len(parts) != 3 || parts[0] == "" {
		return "", nil, nil, fmt.Errorf("%w: not rcl1.<key_id>.<nonce>.<ciphertext>", ErrSealed)
	}
	if nonce, err = base64.RawURLEncoding.DecodeString(parts[1]); err != nil {
		return "", nil, nil, fmt.Errorf("%w: nonce: %v", ErrSealed, err)
	}
	if ciphertext, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return "", nil, nil, fmt.Errorf("%w: ciphertext: %v", ErrSealed, err)
	}
	return parts[0], nonce, ciphertext, nil
}

// SealedFields lists the sealed data fields of (eventType, version), and whether its
// metadata has reason_sealed; nil, false for a version written in plaintext (or an
// unknown one).
func SealedFields(eventType string, version int) (data []string, reason bool) {
	s := loadCatalog().sealed[schemaKey{eventType, version}]
	return s.data, s.reason
}

// SealData seals the personal fields of plain data of (eventType, version): each string
// value of a sealed field becomes a sealed value, null stays null. Data of a version
// without sealed fields is returned as is.
func SealData(k *DataKey, aggregateType, aggregateID, eventType string, version int, data json.RawMessage) (json.RawMessage, error) {
	fields, _ := SealedFields(eventType, version)
	if len(fields) == 0 {
		return data, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %s v%d: %v", ErrInvalidData, eventType, version, err)
	}
	for _, f := range fields {
		raw, ok := m[f]
		if !ok || string(raw) == "null" {
			continue
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("%w: %s v%d: %s is not a string", ErrInvalidData, eventType, version, f)
		}
		sealed, err := k.Seal(aggregateType, aggregateID, f, v)
		if err != nil {
			return nil, err
		}
		m[f], _ = json.Marshal(sealed)
	}
	return json.Marshal(m)
}

// Opener opens the sealed fields of events with keys from Keys. Erased is what a field
// whose key is gone becomes: ErasedMarker when nil; readers that fold data into plain
// strings may ask for "" (json `""`) and check Opened.Erased.
type Opener struct {
	Keys   KeyProvider
	Erased json.RawMessage
}

// Opened is an event's data and metadata with sealed fields opened.
type Opened struct {
	Data     json.RawMessage
	Metadata json.RawMessage
	// Erased lists the fields whose key is gone ("reason" for the metadata's).
	Erased []string
}

// OpenEvent returns e with its sealed fields opened: data fields in place, and the
// metadata's reason_sealed as reason.
func (o Opener) OpenEvent(ctx context.Context, e Event) (Event, error) {
	op, err := o.Open(ctx, e.AggregateType, e.AggregateID, e.EventType, e.SchemaVersion, e.Data, e.Metadata)
	if err != nil {
		return Event{}, err
	}
	e.Data, e.Metadata = op.Data, op.Metadata
	return e, nil
}

// Open opens the sealed fields of one event's data and metadata. Events of plaintext
// versions come back unchanged (no copy).
func (o Opener) Open(ctx context.Context, aggregateType, aggregateID, eventType string, version int, data, metadata json.RawMessage) (Opened, error) {
	out := Opened{Data: data, Metadata: metadata}
	fields, reason := SealedFields(eventType, version)
	if len(fields) == 0 && !reason {
		return out, nil
	}
	op := &opening{o: o, ctx: ctx, aggType: aggregateType, aggID: aggregateID}
	var err error
	if len(fields) > 0 {
		if out.Data, err = op.object(data, fields, nil); err != nil {
			return Opened{}, fmt.Errorf("%s v%d data: %w", eventType, version, err)
		}
	}
	if reason && len(bytes.TrimSpace(metadata)) > 0 && !bytes.Equal(bytes.TrimSpace(metadata), []byte("null")) &&
		bytes.Contains(metadata, []byte(`"reason_sealed"`)) {
		if out.Metadata, err = op.object(metadata, []string{"reason_sealed"}, map[string]string{"reason_sealed": "reason"}); err != nil {
			return Opened{}, fmt.Errorf("%s v%d metadata: %w", eventType, version, err)
		}
	}
	out.Erased = op.erased
	return out, nil
}

// opening holds the key of one event while its fields are opened.
type opening struct {
	o       Opener
	ctx     context.Context
	aggType string
	aggID   string
	key     *DataKey
	gone    bool
	erased  []string
}

func (op *opening) object(raw json.RawMessage, fields []string, rename map[string]string) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidData, err)
	}
	for _, f := range fields {
		v, ok := m[f]
		if !ok || string(v) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("%w: %s is not a sealed string", ErrSealed, f)
		}
		opened, err := op.field(f, s)
		if err != nil {
			return nil, err
		}
		name := f
		if to, ok := rename[f]; ok {
			delete(m, f)
			name = to
		}
		m[name] = opened
	}
	return json.Marshal(m)
}

func (op *opening) field(name, sealed string) (json.RawMessage, error) {
	if err := op.load(sealed); err != nil {
		return nil, err
	}
	label := strings.TrimSuffix(name, "_sealed")
	if op.gone {
		op.erased = append(op.erased, label)
		if op.o.Erased != nil {
			return op.o.Erased, nil
		}
		return ErasedMarker, nil
	}
	pt, err := op.key.Open(op.aggType, op.aggID, name, sealed)
	if err != nil {
		return nil, err
	}
	return json.Marshal(pt)
}

// load fetches the event's key once; every field of one event is sealed with one key.
func (op *opening) load(sealed string) error {
	keyID, _, _, err := ParseSealed(sealed)
	if err != nil {
		return err
	}
	if op.key != nil && op.key.id == keyID || op.gone {
		return nil
	}
	if op.o.Keys == nil {
		return fmt.Errorf("%w: no key provider", ErrSealed)
	}
	raw, err := op.o.Keys.DataKey(op.ctx, op.aggID, keyID)
	if err != nil {
		return fmt.Errorf("schemas: data key %s of %s: %w", keyID, op.aggID, err)
	}
	if raw == nil {
		op.gone = true
		return nil
	}
	op.key, err = NewDataKey(keyID, raw)
	return err
}

// Personal is a personal field of an opened event: its value, or Erased when the person
// was forgotten (the field held ErasedMarker). Use it in the structs opened data is
// decoded into.
type Personal struct {
	Value  string
	Erased bool
}

// UnmarshalJSON accepts a string or ErasedMarker.
func (p *Personal) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var m struct {
			Erased bool `json:"erased"`
		}
		if err := json.Unmarshal(b, &m); err != nil || !m.Erased {
			return fmt.Errorf("schemas: personal field is neither a string nor the erased marker")
		}
		*p = Personal{Erased: true}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*p = Personal{Value: s}
	return nil
}

// MarshalJSON writes the value, or ErasedMarker.
func (p Personal) MarshalJSON() ([]byte, error) {
	if p.Erased {
		return ErasedMarker, nil
	}
	return json.Marshal(p.Value)
}
