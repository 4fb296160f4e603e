package credentials

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters. They are stored in every hash (PHC format), so
// raising them later still verifies old hashes.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultParams is OWASP's argon2id setting m=19 MiB, t=2, p=1: see the package doc.
var DefaultParams = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// ErrMalformedHash: a stored hash this package cannot parse.
var ErrMalformedHash = errors.New("credentials: malformed password hash")

// Validate reports parameters too weak to store or too large to run.
func (p Params) Validate() error {
	var errs []error
	if p.MemoryKiB < 8*1024 || p.MemoryKiB > 1024*1024 {
		errs = append(errs, fmt.Errorf("argon2 memory %d KiB outside 8192..1048576", p.MemoryKiB))
	}
	if p.Time < 1 || p.Time > 10 {
		errs = append(errs, fmt.Errorf("argon2 time %d outside 1..10", p.Time))
	}
	if p.Threads < 1 {
		errs = append(errs, errors.New("argon2 threads must be ≥ 1"))
	}
	return errors.Join(errs...)
}

// Hasher hashes and verifies passwords with bounded concurrency.
type Hasher struct {
	params Params
	slots  chan struct{}
	dummy  string // verified against when a user is unknown, so timing does not tell
}

// NewHasher returns a hasher using p for new hashes.
func NewHasher(p Params) *Hasher {
	h := &Hasher{params: p, slots: make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))}
	h.dummy = encode(p, make([]byte, 16), make([]byte, 32))
	return h
}

// Hash returns the PHC string of password: $argon2id$v=19$m=..,t=..,p=..$salt$key.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("credentials: salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.MemoryKiB, h.params.Threads, 32)
	return encode(h.params, salt, key), nil
}

// Verify reports whether password matches hash. An empty hash (unknown user) is checked
// against a dummy so that the answer takes as long as for a known user.
func (h *Hasher) Verify(ctx context.Context, password, hash string) (bool, error) {
	known := hash != ""
	if !known {
		hash = h.dummy
	}
	p, salt, want, err := decode(hash)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return known && subtle.ConstantTimeCompare(got, want) == 1, nil
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decode(s string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, ErrMalformedHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, ErrMalformedHash
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) < 16 || p.Validate() != nil {
		return p, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}
