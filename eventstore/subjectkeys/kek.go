package subjectkeys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KEKSize is the size of a key-encryption key: AES-256.
const KEKSize = 32

// ErrKEK: a KEK that does not parse, or that does not unwrap a stored key (the wrong
// KEK, or a row tampered with).
var ErrKEK = errors.New("subjectkeys: key-encryption key")

// KEK is a key-encryption key. Its ID (a hash prefix, not the key) is stored with every
// row it wraps.
type KEK struct {
	id   string
	aead cipher.AEAD
}

// ParseKEK parses a KEK given as standard or URL base64 of 32 bytes (RECALL_KEK).
func ParseKEK(s string) (*KEK, error) {
	s = strings.TrimSpace(s)
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil || len(raw) != KEKSize {
		return nil, fmt.Errorf("%w: want base64 of %d bytes", ErrKEK, KEKSize)
	}
	return NewKEK(raw)
}

// NewKEK returns the KEK of 32 raw bytes.
func NewKEK(raw []byte) (*KEK, error) {
	if len(raw) != KEKSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrKEK, len(raw), KEKSize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte("recall kek id v1\x00"), raw...))
	return &KEK{id: hex.EncodeToString(sum[:8]), aead: aead}, nil
}

// GenerateKEK returns a new random KEK in the form ParseKEK reads.
func GenerateKEK() (string, error) {
	raw := make([]byte, KEKSize)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// ID identifies the KEK in stored rows.
func (k *KEK) ID() string { return k.id }

// wrap seals key under the KEK, bound to what names the row (aad).
func (k *KEK) wrap(key []byte, aad []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(key)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, key, aad), nil
}

func (k *KEK) unwrap(wrapped []byte, aad []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(wrapped) < n {
		return nil, fmt.Errorf("%w: wrapped key too short", ErrKEK)
	}
	key, err := k.aead.Open(nil, wrapped[:n], wrapped[n:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: unwrap %s: %v", ErrKEK, aad, err)
	}
	return key, nil
}
