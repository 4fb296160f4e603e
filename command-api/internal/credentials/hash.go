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

var (
	// ErrMalformedHash: a stored hash this package cannot parse.
	ErrMalformedHash = errors.New("credentials: malformed password hash")
	// ErrBusy: every hashing slot is taken and the queue is full. Answer 429: waiting
	// without bound would let password checks starve the whole API.
	ErrBusy = errors.New("credentials: password hashing is saturated")
)

// owaspFloor is the least memory (KiB) OWASP's password storage cheat sheet pairs with
// each number of passes: m=47104 t=1, m=19456 t=2, m=12288 t=3, m=9216 t=4, m=7168 t=5
// (equivalent costs; more passes trade for less memory).
var owaspFloor = map[uint32]uint32{1: 47104, 2: 19456, 3: 12288, 4: 9216}

const owaspFloorFromFive = 7168

// minMemory is the least memory Validate accepts with t passes.
func minMemory(t uint32) uint32 {
	if m, ok := owaspFloor[t]; ok {
		return m
	}
	return owaspFloorFromFive
}

// Validate reports parameters below OWASP's argon2id floor or too large to run.
func (p Params) Validate() error {
	errs := []error{p.sane()}
	if p.Time >= 1 && p.MemoryKiB < minMemory(p.Time) {
		errs = append(errs, fmt.Errorf("argon2 memory %d KiB with time %d is below OWASP's floor (%d KiB; 19456 KiB with time 2, 7168 with time 5)",
			p.MemoryKiB, p.Time, minMemory(p.Time)))
	}
	return errors.Join(errs...)
}

// sane reports parameters no hash of ours can have: what decode refuses to run. Older,
// weaker hashes within it still verify (and are re-hashed on login).
func (p Params) sane() error {
	var errs []error
	if p.MemoryKiB < 1024 || p.MemoryKiB > 1024*1024 {
		errs = append(errs, fmt.Errorf("argon2 memory %d KiB outside 1024..1048576", p.MemoryKiB))
	}
	if p.Time < 1 || p.Time > 10 {
		errs = append(errs, fmt.Errorf("argon2 time %d outside 1..10", p.Time))
	}
	if p.Threads < 1 {
		errs = append(errs, errors.New("argon2 threads must be ≥ 1"))
	}
	return errors.Join(errs...)
}

// Hasher hashes and verifies passwords with bounded concurrency and a bounded queue.
type Hasher struct {
	params  Params
	slots   chan struct{} // hashes running
	tickets chan struct{} // hashes running or waiting: slots + queue
	dummy   string        // verified against when a user is unknown, so timing does not tell
}

// QueuePerSlot is the default queue of NewHasher: waiting hashes per hashing slot.
const QueuePerSlot = 8

// NewHasher returns a hasher using p for new hashes, running GOMAXPROCS hashes at once
// with QueuePerSlot waiting per slot.
func NewHasher(p Params) *Hasher {
	n := max(runtime.GOMAXPROCS(0), 1)
	return NewBoundedHasher(p, n, n*QueuePerSlot)
}

// NewBoundedHasher returns a hasher running at most slots hashes at once, with at most
// queue more waiting; beyond that Hash and Verify fail at once with ErrBusy.
func NewBoundedHasher(p Params, slots, queue int) *Hasher {
	slots, queue = max(slots, 1), max(queue, 0)
	h := &Hasher{params: p, slots: make(chan struct{}, slots), tickets: make(chan struct{}, slots+queue)}
	h.dummy = encode(p, make([]byte, 16), make([]byte, 32))
	return h
}

// Waiting is the number of hashes waiting for a slot (a gauge for metrics).
func (h *Hasher) Waiting() int { return max(len(h.tickets)-len(h.slots), 0) }

// NeedsRehash reports whether hash was made with other parameters than h's: after a
// successful Verify, store a new hash of the password.
func (h *Hasher) NeedsRehash(hash string) bool {
	p, _, _, err := decode(hash)
	return err == nil && p != h.params
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
	case h.tickets <- struct{}{}:
	default:
		return ErrBusy
	}
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		<-h.tickets
		return ctx.Err()
	}
}

func (h *Hasher) release() {
	<-h.slots
	<-h.tickets
}

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
	if err1 != nil || err2 != nil || len(key) < 16 || p.sane() != nil {
		return p, nil, nil, ErrMalformedHash
	}
	return p, salt, key, nil
}
