package schemas

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
)

// Header names of the record signature (the Kafka contract, schemas/asyncapi.yaml).
const (
	// HeaderSignature is the lower-case hex HMAC-SHA256 of the record (see Keyring.Sign).
	HeaderSignature = "recall_signature"
	// HeaderSignatureKey names the keyring entry that signed the record.
	HeaderSignatureKey = "recall_signature_key"
)

// ErrSignature: a record is unsigned, signed with a key the keyring does not hold, or
// its signature does not match its key, value and ce_*/recall_* headers: it was not
// published by a relay holding the key, or changed on the way.
var ErrSignature = errors.New("schemas: record signature")

// Header is one Kafka record header; kgo.RecordHeader converts to it field by field.
type Header struct {
	Key   string
	Value []byte
}

// Keyring holds the record-signing keys by id: one active for signing, every one
// accepted for verifying, so keys rotate without a flag day (add the new key to every
// verifier, make it active on the relay, retire the old one once no record that must
// still verify carries it). Read-only after creation, so safe for concurrent use.
type Keyring struct {
	active string
	keys   map[string][]byte
}

// MinKeyLen is the shortest signing key accepted: HMAC-SHA256's output size.
const MinKeyLen = 32

// NewKeyring returns a keyring of keys (id → secret) signing with active; active may
// be empty for a keyring that only verifies.
func NewKeyring(active string, keys map[string][]byte) (*Keyring, error) {
	var errs []error
	for id, k := range keys {
		if id == "" || strings.ContainsAny(id, ",= \t\n") {
			errs = append(errs, fmt.Errorf("record key id %q: want a name without ',', '=' or spaces", id))
		}
		if len(k) < MinKeyLen {
			errs = append(errs, fmt.Errorf("record key %q: %d bytes, want at least %d", id, len(k), MinKeyLen))
		}
	}
	if _, ok := keys[active]; active != "" && !ok {
		errs = append(errs, fmt.Errorf("active record key %q is not in the keyring", active))
	}
	if len(keys) == 0 {
		errs = append(errs, errors.New("record keyring is empty"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Keyring{active: active, keys: maps(keys)}, nil
}

func maps(in map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(in))
	for id, k := range in {
		out[id] = slices.Clone(k)
	}
	return out
}

// ParseKeyring reads a keyring from its text form, "id=base64key,id2=base64key" (what
// RECALL_RECORD_KEYS holds; standard or URL base64, padded or not).
func ParseKeyring(active, spec string) (*Keyring, error) {
	keys := map[string][]byte{}
	for _, item := range strings.Split(spec, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		id, enc, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("record keyring: %q is not id=base64key", id)
		}
		k, err := decodeKey(enc)
		if err != nil {
			return nil, fmt.Errorf("record key %q: %w", id, err)
		}
		keys[id] = k
	}
	return NewKeyring(active, keys)
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if k, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return k, nil
	}
	return base64.RawURLEncoding.DecodeString(s)
}

// Active is the id of the signing key ("" for a verify-only keyring).
func (k *Keyring) Active() string { return k.active }

// Sign returns the headers to add to a record of key, value and headers: the active
// key's id and the signature. The signature covers the key id, the record key, the
// value, and every header named ce_* or recall_* (other than the signature's own),
// sorted by name, each length-prefixed: what consumers rely on cannot change unseen.
func (k *Keyring) Sign(key, value []byte, headers []Header) ([]Header, error) {
	if k.active == "" {
		return nil, errors.New("schemas: keyring has no active signing key")
	}
	mac, err := k.mac(k.active, key, value, headers)
	if err != nil {
		return nil, err
	}
	return []Header{
		{Key: HeaderSignatureKey, Value: []byte(k.active)},
		{Key: HeaderSignature, Value: hex.AppendEncode(nil, mac)},
	}, nil
}

// Verify checks the signature of a record; the error wraps ErrSignature.
func (k *Keyring) Verify(key, value []byte, headers []Header) error {
	id, sig, err := signatureHeaders(headers)
	if err != nil {
		return err
	}
	want, err := k.mac(id, key, value, headers)
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(string(sig))
	if err != nil || !hmac.Equal(got, want) {
		return fmt.Errorf("%w: does not match (key %q)", ErrSignature, id)
	}
	return nil
}

// signatureHeaders returns the key id and signature of headers, each present once.
func signatureHeaders(headers []Header) (id string, sig []byte, err error) {
	var ids, sigs int
	for _, h := range headers {
		switch h.Key {
		case HeaderSignatureKey:
			id, ids = string(h.Value), ids+1
		case HeaderSignature:
			sig, sigs = h.Value, sigs+1
		}
	}
	if ids != 1 || sigs != 1 {
		return "", nil, fmt.Errorf("%w: want one %s and one %s header, got %d and %d", ErrSignature, HeaderSignatureKey, HeaderSignature, ids, sigs)
	}
	return id, sig, nil
}

// mac is the HMAC-SHA256 of the canonical form of a record under key id.
func (k *Keyring) mac(id string, key, value []byte, headers []Header) ([]byte, error) {
	secret, ok := k.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w: unknown key %q", ErrSignature, id)
	}
	signed := make([]Header, 0, len(headers))
	for _, h := range headers {
		if (strings.HasPrefix(h.Key, "ce_") || strings.HasPrefix(h.Key, "recall_")) &&
			h.Key != HeaderSignature && h.Key != HeaderSignatureKey {
			signed = append(signed, h)
		}
	}
	slices.SortStableFunc(signed, func(a, b Header) int { return strings.Compare(a.Key, b.Key) })
	for i := 1; i < len(signed); i++ {
		if signed[i].Key == signed[i-1].Key { // order among duplicates is not signed: refuse them
			return nil, fmt.Errorf("%w: header %s appears twice", ErrSignature, signed[i].Key)
		}
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("recall-record-signature-v1"))
	field(m, []byte(id))
	field(m, key)
	field(m, value)
	for _, h := range signed {
		field(m, []byte(h.Key))
		field(m, h.Value)
	}
	return m.Sum(nil), nil
}

// field writes b length-prefixed, so no two records share a canonical form.
func field(m hash.Hash, b []byte) {
	m.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
	m.Write(b)
}
