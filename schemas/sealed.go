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
	"slices"
	"strings"
	"sync"
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

// NewDataKeyCipher wraps a data key whose AES-256-GCM cipher is already built (a
// keyring's cache: building it costs more than opening a field). aead must be the
// standard GCM of the key: 12-byte nonces, 16-byte tags.
func NewDataKeyCipher(id string, aead cipher.AEAD) (*DataKey, error) {
	if err := checkCipher(id, aead); err != nil {
		return nil, err
	}
	return &DataKey{id: id, aead: aead}, nil
}

func checkCipher(id string, aead cipher.AEAD) error {
	if aead == nil || aead.NonceSize() != gcmNonceSize || aead.Overhead() != gcmTagSize {
		return fmt.Errorf("%w: data key %s: not an AES-GCM cipher with %d-byte nonces", ErrSealed, id, gcmNonceSize)
	}
	if id == "" || strings.Contains(id, ".") {
		return fmt.Errorf("%w: bad data key id %q", ErrSealed, id)
	}
	return nil
}

const (
	gcmNonceSize = 12
	gcmTagSize   = 16
)

// ID is the key's id, as sealed values name it.
func (k *DataKey) ID() string { return k.id }

// appendAssociated appends the associated data of a field to dst (a reused buffer).
func appendAssociated(dst []byte, aggregateType, aggregateID, field string) []byte {
	dst = append(dst, aggregateType...)
	dst = append(dst, '/')
	dst = append(dst, strings.ToLower(aggregateID)...)
	dst = append(dst, '/')
	return append(dst, field...)
}

// Seal seals plaintext as field of aggregate (type, id) with a fresh random nonce.
func (k *DataKey) Seal(aggregateType, aggregateID, field, plaintext string) (string, error) {
	var ad [128]byte
	b, err := k.appendSeal(nil, appendAssociated(ad[:0], aggregateType, aggregateID, field), plaintext)
	return string(b), err
}

// appendSeal appends the sealed value of plaintext under the associated data ad to dst.
// Every call draws its own random nonce: a 96-bit nonce drawn at random stays safe for
// 2^32 seals under one key, far beyond one person's events.
func (k *DataKey) appendSeal(dst, ad []byte, plaintext string) ([]byte, error) {
	var buf [256]byte
	nonce := buf[:gcmNonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	ct := k.aead.Seal(buf[gcmNonceSize:gcmNonceSize], nonce, []byte(plaintext), ad)
	enc := base64.RawURLEncoding
	dst = slices.Grow(dst, len(SealedPrefix)+len(k.id)+2+enc.EncodedLen(len(nonce))+enc.EncodedLen(len(ct)))
	dst = append(dst, SealedPrefix...)
	dst = append(dst, k.id...)
	dst = append(dst, '.')
	dst = enc.AppendEncode(dst, nonce)
	dst = append(dst, '.')
	return enc.AppendEncode(dst, ct), nil
}

// Open opens a value Seal made for the same aggregate and field.
func (k *DataKey) Open(aggregateType, aggregateID, field, sealed string) (string, error) {
	var ad [128]byte
	pt, err := k.open(nil, appendAssociated(ad[:0], aggregateType, aggregateID, field), field, []byte(sealed))
	return string(pt), err
}

// open returns the plaintext of sealed (associated data ad), decrypted in scratch (a
// buffer reused across fields; grown when short).
func (k *DataKey) open(scratch, ad []byte, field string, sealed []byte) ([]byte, error) {
	keyID, nonce64, ct64, ok := sealedParts(sealed)
	if !ok {
		return nil, fmt.Errorf("%w: not rcl1.<key_id>.<nonce>.<ciphertext>", ErrSealed)
	}
	if string(keyID) != k.id {
		return nil, fmt.Errorf("%w: %s is sealed with key %s, not %s", ErrSealed, field, keyID, k.id)
	}
	enc := base64.RawURLEncoding
	if enc.DecodedLen(len(nonce64)) != gcmNonceSize {
		return nil, fmt.Errorf("%w: %s: nonce of %d bytes", ErrSealed, field, enc.DecodedLen(len(nonce64)))
	}
	// Nonce and ciphertext are decoded into scratch (what the AEAD is handed escapes to
	// the heap: a local array would be allocated on every call).
	buf := slices.Grow(scratch[:0], gcmNonceSize+enc.DecodedLen(len(ct64)))
	buf = buf[:gcmNonceSize+enc.DecodedLen(len(ct64))]
	nonce, ct := buf[:gcmNonceSize], buf[gcmNonceSize:]
	if _, err := enc.Decode(nonce, nonce64); err != nil {
		return nil, fmt.Errorf("%w: nonce: %v", ErrSealed, err)
	}
	n, err := enc.Decode(ct, ct64)
	if err != nil {
		return nil, fmt.Errorf("%w: ciphertext: %v", ErrSealed, err)
	}
	// Decrypting in place: the ciphertext buffer is ours.
	pt, err := k.aead.Open(ct[:0], nonce, ct[:n], ad)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrSealed, field, err)
	}
	return pt, nil
}

// IsSealed reports whether s has the form of a sealed value.
func IsSealed(s string) bool { return strings.HasPrefix(s, SealedPrefix) }

// sealedParts splits a sealed value into its key id and its still-encoded nonce and
// ciphertext, without allocating.
func sealedParts(s []byte) (keyID, nonce, ciphertext []byte, ok bool) {
	rest, found := bytes.CutPrefix(s, []byte(SealedPrefix))
	if !found {
		return nil, nil, nil, false
	}
	keyID, rest, found = bytes.Cut(rest, []byte{'.'})
	if !found || len(keyID) == 0 {
		return nil, nil, nil, false
	}
	nonce, ciphertext, found = bytes.Cut(rest, []byte{'.'})
	if !found || bytes.IndexByte(ciphertext, '.') >= 0 {
		return nil, nil, nil, false
	}
	return keyID, nonce, ciphertext, true
}

// ParseSealed splits a sealed value into its key id, nonce and ciphertext.
func ParseSealed(s string) (keyID string, nonce, ciphertext []byte, err error) {
	id, nonce64, ct64, ok := sealedParts([]byte(s))
	if !ok {
		return "", nil, nil, fmt.Errorf("%w: not rcl1.<key_id>.<nonce>.<ciphertext>", ErrSealed)
	}
	enc := base64.RawURLEncoding
	if nonce, err = enc.AppendDecode(nil, nonce64); err != nil {
		return "", nil, nil, fmt.Errorf("%w: nonce: %v", ErrSealed, err)
	}
	if ciphertext, err = enc.AppendDecode(nil, ct64); err != nil {
		return "", nil, nil, fmt.Errorf("%w: ciphertext: %v", ErrSealed, err)
	}
	return string(id), nonce, ciphertext, nil
}

// SealedFields lists the sealed data fields of (eventType, version), and whether its
// metadata has reason_sealed; nil, false for a version written in plaintext (or an
// unknown one).
func SealedFields(eventType string, version int) (data []string, reason bool) {
	byVersion := loadCatalog().sealed[eventType]
	if version < 0 || version >= len(byVersion) {
		return nil, false
	}
	return byVersion[version].data, byVersion[version].reason
}

// SealData seals the personal fields of plain data of (eventType, version): each string
// value of a sealed field becomes a sealed value, null stays null. Data of a version
// without sealed fields is returned as is.
func SealData(k *DataKey, aggregateType, aggregateID, eventType string, version int, data json.RawMessage) (json.RawMessage, error) {
	fields, _ := SealedFields(eventType, version)
	if len(fields) == 0 {
		return data, nil
	}
	var buf [16]member
	ms, isNull, err := objectMembers(data, buf[:])
	if err != nil {
		return nil, fmt.Errorf("%s v%d: %w", eventType, version, err)
	}
	if isNull {
		return data, nil
	}
	var ad, scratch [128]byte
	extra := 0
	for _, f := range fields {
		m := lookup(ms, f)
		if m == nil || m.isNull(data) {
			continue
		}
		v, ok := m.stringValue(data)
		if !ok {
			return nil, fmt.Errorf("%w: %s v%d: %s is not a string", ErrInvalidData, eventType, version, f)
		}
		sealed, err := k.appendSeal(scratch[:0], appendAssociated(ad[:0], aggregateType, aggregateID, f), string(v))
		if err != nil {
			return nil, err
		}
		sealed = appendJSONString(make([]byte, 0, len(sealed)+2), sealed)
		m.value = sealed
		extra += len(sealed)
	}
	return writeObject(data, ms, extra), nil
}

// CipherProvider is a KeyProvider that also hands out each data key's cipher ready to
// use, built once and cached with the key (subjectkeys.Keyring): the Opener asks for it
// first. A nil cipher with a nil error means the key was deleted, as for DataKey.
type CipherProvider interface {
	KeyProvider
	DataKeyCipher(ctx context.Context, subjectID, keyID string) (cipher.AEAD, error)
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

// OpenEventData is OpenEvent for readers that use only the data (a read model keeps no
// reason): the metadata stays as stored, its sealed reason included, and costs nothing.
func (o Opener) OpenEventData(ctx context.Context, e Event) (Event, error) {
	op, err := o.Open(ctx, e.AggregateType, e.AggregateID, e.EventType, e.SchemaVersion, e.Data, nil)
	if err != nil {
		return Event{}, err
	}
	e.Data = op.Data
	return e, nil
}

var reasonSealed = []string{"reason_sealed"}

// Open opens the sealed fields of one event's data and metadata. Events of plaintext
// versions come back unchanged (no copy).
func (o Opener) Open(ctx context.Context, aggregateType, aggregateID, eventType string, version int, data, metadata json.RawMessage) (Opened, error) {
	out := Opened{Data: data, Metadata: metadata}
	fields, reason := SealedFields(eventType, version)
	if len(fields) == 0 && !reason {
		return out, nil
	}
	op := openings.Get().(*opening)
	defer op.release()
	op.start(o, ctx, aggregateType, aggregateID)
	var err error
	if len(fields) > 0 {
		if out.Data, err = op.object(data, fields, ""); err != nil {
			return Opened{}, fmt.Errorf("%s v%d data: %w", eventType, version, err)
		}
	}
	if reason && len(bytes.TrimSpace(metadata)) > 0 && !bytes.Equal(bytes.TrimSpace(metadata), []byte("null")) &&
		bytes.Contains(metadata, []byte(`"reason_sealed"`)) {
		if out.Metadata, err = op.object(metadata, reasonSealed, "reason"); err != nil {
			return Opened{}, fmt.Errorf("%s v%d metadata: %w", eventType, version, err)
		}
	}
	out.Erased = op.erased
	return out, nil
}

// openings recycles the working set of Open: what the AEAD is handed (associated data,
// nonce, ciphertext) escapes to the heap, so buffers of one call would be allocated on
// every event; a replay opens hundreds of thousands.
var openings = sync.Pool{New: func() any { return new(opening) }}

// maxPooled bounds the buffers kept between calls: an event with a huge field does not
// pin its buffers for good.
const maxPooled = 4 << 10

// opening holds the key of one event while its fields are opened, and the buffers its
// fields share.
type opening struct {
	o      Opener
	ctx    context.Context
	aggID  string
	key    DataKey // id "" until loaded
	gone   bool
	erased []string
	// ad is "<aggregate_type>/<aggregate_id>/" (adLen bytes) and then a field's name.
	ad      []byte
	adLen   int
	scratch []byte // a field's nonce and ciphertext, then its plaintext
	vals    []byte // the opened fields of one object, quoted, back to back
}

func (op *opening) start(o Opener, ctx context.Context, aggregateType, aggregateID string) {
	op.o, op.ctx, op.aggID = o, ctx, aggregateID
	op.ad = appendAssociated(op.ad[:0], aggregateType, aggregateID, "")
	op.adLen = len(op.ad)
}

// release forgets the event (its key above all: a pooled value must not keep a person's
// key alive) and returns op to the pool.
func (op *opening) release() {
	op.o, op.ctx, op.aggID, op.key, op.gone, op.erased = Opener{}, nil, "", DataKey{}, false, nil
	if cap(op.ad) > maxPooled || cap(op.scratch) > maxPooled || cap(op.vals) > maxPooled {
		return
	}
	openings.Put(op)
}

// object opens fields of the JSON object raw; a field opened is written as renameTo
// when that is set (reason_sealed becomes reason, replacing any reason member).
func (op *opening) object(raw json.RawMessage, fields []string, renameTo string) (json.RawMessage, error) {
	var buf [16]member
	ms, isNull, err := objectMembers(raw, buf[:])
	if err != nil {
		return nil, err
	}
	if isNull {
		return raw, nil
	}
	// Opened values go to op.vals, which may move as it grows: members note offsets
	// until every field is open.
	var at [16]struct {
		m          *member
		start, end int
		erased     bool
	}
	n := 0
	op.vals = op.vals[:0]
	extra := 0
	for _, f := range fields {
		m := lookup(ms, f)
		if m == nil || m.isNull(raw) {
			continue
		}
		s, ok := m.stringValue(raw)
		if !ok {
			return nil, fmt.Errorf("%w: %s is not a sealed string", ErrSealed, f)
		}
		start := len(op.vals)
		erased, err := op.field(f, s)
		if err != nil {
			return nil, err
		}
		if n == len(at) {
			return nil, fmt.Errorf("%w: more than %d sealed fields", ErrSealed, len(at))
		}
		at[n].m, at[n].start, at[n].end, at[n].erased = m, start, len(op.vals), erased
		n++
		if renameTo != "" {
			if old := lookup(ms, renameTo); old != nil {
				old.drop = true
			}
			m.rename = renameTo
		}
	}
	for _, a := range at[:n] {
		if a.erased {
			a.m.value = op.erasedValue()
		} else {
			a.m.value = op.vals[a.start:a.end]
		}
		extra += len(a.m.value)
	}
	return writeObject(raw, ms, extra), nil
}

func (op *opening) erasedValue() json.RawMessage {
	if op.o.Erased != nil {
		return op.o.Erased
	}
	return ErasedMarker
}

// field opens the sealed value of field name and appends it, quoted, to op.vals; or
// reports that the key is gone (erased), appending nothing.
func (op *opening) field(name string, sealed []byte) (erased bool, err error) {
	if err := op.load(sealed); err != nil {
		return false, err
	}
	if op.gone {
		// Nothing to open, but a value that is not a sealed value at all is still
		// refused, as it is when the key is there.
		if _, _, _, err := ParseSealed(string(sealed)); err != nil {
			return false, err
		}
		op.erased = append(op.erased, strings.TrimSuffix(name, "_sealed"))
		return true, nil
	}
	op.ad = append(op.ad[:op.adLen], name...)
	// Room for the nonce and the ciphertext decoded (more than the base64 holds): open
	// does not have to grow it, so the buffer stays op's.
	if need := base64.RawURLEncoding.DecodedLen(len(sealed)); cap(op.scratch) < need {
		op.scratch = make([]byte, 0, need)
	}
	pt, err := op.key.open(op.scratch[:0], op.ad, name, sealed)
	if err != nil {
		return false, err
	}
	op.vals = appendJSONString(op.vals, pt)
	return false, nil
}

// load fetches the event's key once; every field of one event is sealed with one key.
func (op *opening) load(sealed []byte) error {
	keyID, _, _, ok := sealedParts(sealed)
	if !ok {
		return fmt.Errorf("%w: not rcl1.<key_id>.<nonce>.<ciphertext>", ErrSealed)
	}
	if op.key.id == string(keyID) || op.gone {
		return nil
	}
	if op.o.Keys == nil {
		return fmt.Errorf("%w: no key provider", ErrSealed)
	}
	if cp, ok := op.o.Keys.(CipherProvider); ok {
		id := string(keyID)
		aead, err := cp.DataKeyCipher(op.ctx, op.aggID, id)
		if err != nil {
			return fmt.Errorf("schemas: data key %s of %s: %w", keyID, op.aggID, err)
		}
		if aead == nil {
			op.gone = true
			return nil
		}
		if err := checkCipher(id, aead); err != nil {
			return err
		}
		op.key = DataKey{id: id, aead: aead}
		return nil
	}
	raw, err := op.o.Keys.DataKey(op.ctx, op.aggID, string(keyID))
	if err != nil {
		return fmt.Errorf("schemas: data key %s of %s: %w", keyID, op.aggID, err)
	}
	if raw == nil {
		op.gone = true
		return nil
	}
	dk, err := NewDataKey(string(keyID), raw)
	if err != nil {
		return err
	}
	op.key = *dk
	return nil
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
