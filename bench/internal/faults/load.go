package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/bench/internal/apiclient"
)

// ack is a command command-api answered with a 2xx.
type ack struct {
	requestID string
	id        uuid.UUID
	revision  int64
}

// load sends commands over HTTP from a fixed number of workers, each closed-loop at most
// at its rate, riding out outages: a 503 or a broken connection is retried under the same
// request id and Idempotency-Key until answered; a command still failing when the load
// stops is counted, and so is any 5xx other than 503. Most commands are UpdateUser; every 25th creates a user, so creation is
// exercised under faults too.
type load struct {
	api    *apiclient.Client
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	users   []uuid.UUID
	acks    []ack
	failed  atomic.Int64
	sent    atomic.Int64
	retries atomic.Int64 // 503s and broken connections retried under the same key
	status5 atomic.Int64 // answers 5xx other than 503: never allowed
}

func (l *load) countStatus(status int) {
	if status >= 500 && status != http.StatusServiceUnavailable {
		l.status5.Add(1)
	}
}

func startLoad(ctx context.Context, api *apiclient.Client, rate, workers int) (*load, error) {
	l := &load{api: api}
	for i := range 10 {
		if err := l.create(ctx, i); err != nil {
			return nil, err
		}
	}
	ctx, l.cancel = context.WithCancel(ctx)
	interval := time.Duration(workers) * time.Second / time.Duration(rate)
	for w := range workers {
		l.wg.Go(func() { l.work(ctx, w, interval) })
	}
	return l, nil
}

func (l *load) work(ctx context.Context, w int, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for i := w; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var err error
		if i%25 == 0 {
			err = l.create(ctx, i)
		} else {
			err = l.update(ctx)
		}
		if err != nil && ctx.Err() == nil {
			l.failed.Add(1)
		}
	}
}

// retry sends one command until it is answered other than 503 or without a transport
// error, under the same request id and Idempotency-Key (closed loop: the worker waits),
// or until the load stops. Only 503 and broken connections are retried, as a client
// following the HTTP contract would; a 500 ends the command as failed.
func (l *load) retry(ctx context.Context, send func() (apiclient.Result, error)) (apiclient.Result, error) {
	for {
		res, err := send()
		if ctx.Err() != nil || (err == nil && res.Status != http.StatusServiceUnavailable) {
			return res, err
		}
		if res.Status >= 500 && res.Status != http.StatusServiceUnavailable {
			return res, err
		}
		l.retries.Add(1)
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (l *load) create(ctx context.Context, i int) error {
	n := fmt.Sprintf("f%s%d", uuid.NewString()[:8], i)
	rid := uuid.NewString()
	l.sent.Add(1)
	res, err := l.retry(ctx, func() (apiclient.Result, error) {
		return l.api.CreateUser(ctx, apiclient.NewUser{Username: n, Email: n + "@faults.example.org",
			FirstName: "Fault", LastName: "Test", Password: "correct horse battery"}, rid)
	})
	if err == nil && !res.OK() {
		l.countStatus(res.Status)
		err = fmt.Errorf("create: status %d", res.Status)
	}
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.users = append(l.users, res.ID)
	l.acks = append(l.acks, ack{rid, res.ID, res.Revision})
	return nil
}

func (l *load) update(ctx context.Context) error {
	l.mu.Lock()
	id := l.users[rand.N(len(l.users))]
	l.mu.Unlock()
	rid := uuid.NewString()
	l.sent.Add(1)
	name := fmt.Sprintf("N%06d", rand.N(1_000_000))
	res, err := l.retry(ctx, func() (apiclient.Result, error) {
		return l.api.UpdateUser(ctx, id, apiclient.Update{FirstName: name}, rid)
	})
	if err == nil && !res.OK() {
		l.countStatus(res.Status)
		err = fmt.Errorf("update: status %d", res.Status)
	}
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acks = append(l.acks, ack{rid, id, res.Revision})
	return nil
}

// stop ends the load and returns the acknowledged commands.
func (l *load) stop() []ack {
	l.cancel()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acks
}
