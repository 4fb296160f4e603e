package readmodel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// WaitForRevision returns the user once its row has reached minRevision. ctx
// bounds the wait: when it ends first, WaitForRevision returns the row as last
// read (the zero User when it does not exist yet) and an error wrapping
// ErrLagging and ctx.Err(). A missing row is waited for, not ErrNotFound: the
// write that returned minRevision has happened, the projection just has not
// applied it yet.
func (s *Store) WaitForRevision(ctx context.Context, id string, minRevision int64) (User, error) {
	if !isUUID(id) {
		return User{}, fmt.Errorf("%w: user %q", ErrNotFound, id)
	}
	l := s.ensureListener()
	tick := time.NewTicker(s.opts.PollInterval)
	defer tick.Stop()
	var last User
	for {
		var wake <-chan struct{}
		if l != nil {
			wake = l.wait() // before reading, so a notify between read and select is not lost
		}
		u, err := s.Get(ctx, id)
		switch {
		case err == nil:
			last = u
			if u.Revision >= minRevision {
				return u, nil
			}
		case errors.Is(err, ErrNotFound), errors.Is(err, ErrNoLiveVersion):
		case ctx.Err() != nil:
		default:
			return last, err
		}
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("%w: user %s at revision %d, want %d: %w", ErrLagging, id, last.Revision, minRevision, ctx.Err())
		case <-wake:
		case <-tick.C:
		}
	}
}

func (s *Store) ensureListener() *listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil && !s.closed {
		s.listener = startListener(s.pool)
	}
	return s.listener
}

// listener holds one LISTEN connection and wakes all waiters on each
// notification by closing the current channel and making a new one.
type listener struct {
	pool   *pgxpool.Pool
	cancel context.CancelFunc
	done   chan struct{}

	mu sync.Mutex
	ch chan struct{}
}

func startListener(pool *pgxpool.Pool) *listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{pool: pool, cancel: cancel, done: make(chan struct{}), ch: make(chan struct{})}
	go l.run(ctx)
	return l
}

func (l *listener) wait() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ch
}

func (l *listener) broadcast() {
	l.mu.Lock()
	close(l.ch)
	l.ch = make(chan struct{})
	l.mu.Unlock()
}

func (l *listener) stop() {
	l.cancel()
	<-l.done
}

// run keeps a LISTEN connection open, reconnecting after a failure; waiters
// poll meanwhile.
func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	for ctx.Err() == nil {
		_ = l.listen(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (l *listener) listen(ctx context.Context) error {
	c, err := l.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A LISTENing connection must not go back to the pool for queries.
	conn := c.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{NotifyChannel}.Sanitize()); err != nil {
		return err
	}
	l.broadcast() // anything committed while we were not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		l.broadcast()
	}
}
