package readmodel

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// listener holds a Store's one LISTEN connection and hands each notification to the
// Store. While the connection is down (before the first connect, while reconnecting)
// the waits poll instead: one read of every waited row per PollInterval, whatever the
// number of waiters.
type listener struct {
	s       *Store
	cancel  context.CancelFunc
	done    chan struct{}
	healthy atomic.Bool // LISTENing: notifications arrive, no polling
}

// reconnectDelay spaces LISTEN attempts after a failure.
const reconnectDelay = time.Second

func startListener(s *Store) *listener {
	ctx, cancel := context.WithCancel(s.bg)
	l := &listener{s: s, cancel: cancel, done: make(chan struct{})}
	polled := make(chan struct{})
	go func() { defer close(polled); l.poll(ctx) }()
	go func() {
		defer close(l.done)
		defer func() { <-polled }()
		l.run(ctx)
	}()
	return l
}

func (l *listener) stop() {
	l.cancel()
	<-l.done
}

// run keeps a LISTEN connection open, reconnecting after a failure.
func (l *listener) run(ctx context.Context) {
	for ctx.Err() == nil {
		_ = l.listen(ctx)
		l.healthy.Store(false)
		l.s.waits.forget()
		select {
		case <-ctx.Done():
		case <-time.After(reconnectDelay):
		}
	}
}

func (l *listener) listen(ctx context.Context) error {
	c, err := l.s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A LISTENing connection must not go back to the pool for queries.
	conn := c.Hijack()
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{NotifyChannel}.Sanitize()); err != nil {
		return err
	}
	l.s.waits.forget()
	l.healthy.Store(true)
	l.s.wakeAll() // anything committed while we were not listening
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		l.s.notified(n.Payload)
	}
}

// poll re-reads every waited row each PollInterval while the connection is down.
func (l *listener) poll(ctx context.Context) {
	tick := time.NewTicker(l.s.opts.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if !l.healthy.Load() && l.s.waits.pending() {
			l.s.waits.polls.Add(1)
			l.s.wakeAll()
		}
	}
}
