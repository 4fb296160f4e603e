package readmodel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options tune a Store; zero values take the defaults.
type Options struct {
	// LiveTTL is how long the live version is cached; default 1s. It bounds
	// how long a promotion takes to reach queries.
	LiveTTL time.Duration
	// PollInterval is how often the waits re-read their rows (all in one query) while
	// the LISTEN connection is down or reconnecting; default 500ms. While it is up,
	// nothing polls.
	PollInterval time.Duration
	// Visible, when set, is called for every Watch a notification releases with the time
	// from the notification's arrival (the apply's commit, as PostgreSQL delivers
	// notifications at commit) to the release: the apply → visible hop.
	Visible func(time.Duration)
}

// Store queries the live users read model. Safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	opts Options

	bg        context.Context // ends at Close: the shared reads of waits
	stopBG    context.CancelFunc
	readSlots chan struct{}
	waits     waits

	refreshMu sync.Mutex // held by the one refresh of the live version running
	mu        sync.Mutex
	live      int
	liveAt    time.Time
	listener  *listener
	closed    bool
}

// New returns a Store over pool.
func New(pool *pgxpool.Pool, opts ...Options) *Store {
	s := &Store{pool: pool, readSlots: make(chan struct{}, maxConcurrentReads)}
	s.bg, s.stopBG = context.WithCancel(context.Background())
	if len(opts) > 0 {
		s.opts = opts[0]
	}
	if s.opts.LiveTTL <= 0 {
		s.opts.LiveTTL = time.Second
	}
	if s.opts.PollInterval <= 0 {
		s.opts.PollInterval = 500 * time.Millisecond
	}
	return s
}

// Close stops the LISTEN connection, if one was started, and the waits' reads. The pool
// stays open.
func (s *Store) Close() {
	s.mu.Lock()
	l := s.listener
	s.listener, s.closed = nil, true
	s.mu.Unlock()
	s.stopBG()
	if l != nil {
		l.stop()
	}
}

// Listen starts the LISTEN connection now rather than at the first wait, so the Store
// learns from the start where the rows that notifications name are, and a wait for a
// row it has seen change skips its first read (Watch.Behind). A server calls it once.
func (s *Store) Listen() { s.ensureListener() }

func (s *Store) ensureListener() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil && !s.closed {
		s.listener = startListener(s)
	}
}

func (s *Store) currentListener() *listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listener
}

// liveTable is the cached live table ("" when not known yet) and whether the cache is
// within LiveTTL.
func (s *Store) liveTable() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live == 0 {
		return "", false
	}
	return UsersTable(s.live), time.Since(s.liveAt) < s.opts.LiveTTL
}

// LiveVersion returns the live version of the users projection.
func (s *Store) LiveVersion(ctx context.Context) (int, error) {
	if v, ok := s.cachedLive(); ok {
		return v, nil
	}
	// One refresh at a time: a thousand requests meeting an expired cache wait for one
	// query instead of running a thousand.
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	if v, ok := s.cachedLive(); ok {
		return v, nil
	}
	return s.refreshLive(ctx)
}

func (s *Store) cachedLive() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live, s.live > 0 && time.Since(s.liveAt) < s.opts.LiveTTL
}

func (s *Store) refreshLive(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT version FROM projections WHERE name = $1 AND state = 'live'`, Projection).Scan(&v)
	var pe *pgconn.PgError
	if errors.Is(err, pgx.ErrNoRows) || (errors.As(err, &pe) && pe.Code == "42P01") {
		// No live row yet, or no projections table yet: the projector has not started
		// (or migrated) on this database. Queries answer "not available yet", not 500.
		return 0, ErrNoLiveVersion
	}
	if err != nil {
		return 0, fmt.Errorf("readmodel: live version: %w", err)
	}
	s.mu.Lock()
	s.live, s.liveAt = v, time.Now()
	s.mu.Unlock()
	return v, nil
}

// withTable runs fn against the live table; when the table is gone (a retired
// version dropped while cached) it refreshes the live version and retries once.
func (s *Store) withTable(ctx context.Context, fn func(table string) error) error {
	v, err := s.LiveVersion(ctx)
	if err != nil {
		return err
	}
	err = fn(pgx.Identifier{UsersTable(v)}.Sanitize())
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "42P01" { // undefined_table
		return err
	}
	if v, err = s.refreshLive(ctx); err != nil {
		return err
	}
	return fn(pgx.Identifier{UsersTable(v)}.Sanitize())
}

const userColumns = `id::text, username, email, first_name, last_name, role, status, created_at, updated_at, deleted_at, revision`

func scanUser(row pgx.Row) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.Role, &u.Status,
		&u.CreatedAt, &u.UpdatedAt, &u.DeletedAt, &u.Revision)
	return u, err
}

// Get returns the user with id from the live read model, deleted or not.
func (s *Store) Get(ctx context.Context, id string) (User, error) {
	if !isUUID(id) {
		return User{}, fmt.Errorf("%w: user %q", ErrNotFound, id)
	}
	var u User
	err := s.withTable(ctx, func(table string) error {
		var err error
		u, err = scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM `+table+` WHERE id = $1`, id))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, fmt.Errorf("%w: user %s", ErrNotFound, id)
	}
	if err != nil && !errors.Is(err, ErrNoLiveVersion) {
		return User{}, fmt.Errorf("readmodel: get %s: %w", id, err)
	}
	return u, err
}
