package app

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
)

// streamLocks queues this process's writers of one stream. Without it, N concurrent
// commands on one user would each load, decide and lose the append race N-1 times; with
// it they run one after the other and only other processes can make them conflict.
type streamLocks struct {
	mu sync.Mutex
	m  map[uuid.UUID]*streamLock
}

type streamLock struct {
	ch   chan struct{} // holds one token while the stream is locked
	refs int           // lockers holding or waiting; the entry goes when it drops to 0
}

func newStreamLocks() *streamLocks { return &streamLocks{m: map[uuid.UUID]*streamLock{}} }

// lock waits for the stream's lock or ctx; the returned func unlocks.
func (l *streamLocks) lock(ctx context.Context, id uuid.UUID) (func(), error) {
	l.mu.Lock()
	e := l.m[id]
	if e == nil {
		e = &streamLock{ch: make(chan struct{}, 1)}
		l.m[id] = e
	}
	e.refs++
	l.mu.Unlock()
	select {
	case e.ch <- struct{}{}:
		return func() { <-e.ch; l.drop(id, e) }, nil
	case <-ctx.Done():
		l.drop(id, e)
		return nil, ctx.Err()
	}
}

func (l *streamLocks) drop(id uuid.UUID, e *streamLock) {
	l.mu.Lock()
	if e.refs--; e.refs == 0 {
		delete(l.m, id)
	}
	l.mu.Unlock()
}

// jitter is the backoff before retry attempt n (1-based): 1 ms plus a uniform draw below
// 2ms·2^n, capped at 50 ms, so writers that just collided spread out instead of colliding again. Its own on
// purpose: milliseconds inside a user's request, full jitter, not an outage's seconds.
func jitter(n int) time.Duration {
	ceiling := min(2*time.Millisecond<<min(n, 5), 50*time.Millisecond)
	return rand.N(ceiling) + time.Millisecond
}
