package app

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/metrics"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/eventstore/subjectkeys"
)

// Options tune a Service; zero values take the defaults noted.
type Options struct {
	// SnapshotEvery stores a snapshot whenever an append crosses a multiple of it
	// (default 100; negative disables snapshots).
	SnapshotEvery int64
	// MaxConflictRetries bounds the retries of a command without If-Match (default 5).
	MaxConflictRetries int
	// Hasher hashes passwords (default argon2id with credentials.DefaultParams).
	Hasher *credentials.Hasher
	// Metrics, when set, receives append latency and conflicts.
	Metrics *metrics.Metrics
	// CacheSize is how many users' latest states are kept to shorten loads (default
	// 10000; negative disables the cache).
	CacheSize int
	// Validate checks an event's data against its contract before append; nil skips it
	// (tests of this package only: production wires schemas.Validate).
	Validate func(eventType string, version int, data []byte) error
	// Lockout is the policy of failed password checks per username (default
	// DefaultLockout; Threshold < 0 disables lockouts).
	Lockout credentials.Lockout
	// Keys holds the people's data keys: personal fields are sealed with them. Nil
	// writes the plaintext versions of the events (this package's tests, and the
	// benchmark's without-encryption comparison; never production).
	Keys *subjectkeys.Keyring
	// ClaimKey hashes unique claims (HMAC-SHA256); nil stores them in plaintext (tests).
	ClaimKey []byte
	// Tracer makes the load, decide and append spans of each command attempt, children
	// of the request's span; nil: no spans.
	Tracer trace.Tracer
}

// DefaultLockout locks a username from its 5th consecutive failed password check for
// 30 s, doubling with every further failure up to 15 min.
var DefaultLockout = credentials.Lockout{Threshold: 5, Base: 30 * time.Second, Max: 15 * time.Minute}

// Service handles commands and audit queries on one event store.
type Service struct {
	store   *eventstore.Store
	opts    Options
	hasher  *credentials.Hasher
	locks   *streamLocks
	cache   *stateCache
	keys    *subjectkeys.Keyring
	backoff func(attempt int) time.Duration
	// failures counts recorded failures, to purge stale ones now and then.
	failures atomic.Uint64
}

// NewService returns a Service on store.
func NewService(store *eventstore.Store, opts Options) (*Service, error) {
	if store == nil {
		return nil, errors.New("app: nil store")
	}
	if opts.SnapshotEvery == 0 {
		opts.SnapshotEvery = 100
	}
	if opts.MaxConflictRetries == 0 {
		opts.MaxConflictRetries = 5
	}
	if opts.MaxConflictRetries < 0 {
		return nil, fmt.Errorf("app: MaxConflictRetries %d < 0", opts.MaxConflictRetries)
	}
	if opts.Lockout == (credentials.Lockout{}) {
		opts.Lockout = DefaultLockout
	}
	if opts.Tracer == nil {
		opts.Tracer = noop.NewTracerProvider().Tracer("")
	}
	h := opts.Hasher
	if h == nil {
		h = credentials.NewHasher(credentials.DefaultParams)
	}
	svc := &Service{store: store, opts: opts, hasher: h, locks: newStreamLocks(), backoff: jitter, keys: opts.Keys}
	if opts.CacheSize == 0 {
		opts.CacheSize = 10_000
	}
	if opts.CacheSize > 0 {
		svc.cache = newStateCache(opts.CacheSize)
	}
	return svc, nil
}

// Store is the event store the service appends to.
func (s *Service) Store() *eventstore.Store { return s.store }

// Hasher is the service's password hasher (for its queue gauge).
func (s *Service) Hasher() *credentials.Hasher { return s.hasher }
