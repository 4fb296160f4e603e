package readmodel

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// WaitForRevision returns the user once its row has reached minRevision. ctx
// bounds the wait: when it ends first, WaitForRevision returns the row as last
// read (the zero User when it does not exist yet) and an error wrapping
// ErrLagging and ctx.Err(). A missing row is waited for, not ErrNotFound: the
// write that returned minRevision has happened, the projection just has not
// applied it yet.
//
// It is Watch, Get and Watch.Wait in one: one query when the row is there already,
// at most one more (shared with every other waiter of the row) when it arrives, and
// none before that when a notification already said the row is behind (Watch.Behind).
func (s *Store) WaitForRevision(ctx context.Context, id string, minRevision int64) (User, error) {
	w, err := s.Watch(id, minRevision)
	if err != nil {
		return User{}, err
	}
	defer w.Close()
	if _, ok := w.Behind(); ok {
		got, err := w.Wait(ctx)
		if err != nil && got.Revision == 0 {
			got.Revision = w.Seen()
		}
		return got, err
	}
	u, err := s.Get(ctx, id)
	switch {
	case err == nil && u.Revision >= minRevision:
		return u, nil
	case err == nil, errors.Is(err, ErrNotFound), errors.Is(err, ErrNoLiveVersion), ctx.Err() != nil:
	default:
		return u, err
	}
	got, err := w.Wait(ctx)
	if err != nil && got.Revision < u.Revision {
		got = u
	}
	return got, err
}

// Watch registers a wait for user id to reach minRevision, before the caller reads the
// row: a change committed after Watch returns is never missed, however the read comes
// out. Read the row (Get); if it is not there yet, Wait. Close the Watch in every case.
// A malformed id is ErrNotFound.
func (s *Store) Watch(id string, minRevision int64) (*Watch, error) {
	if !isUUID(id) {
		return nil, fmt.Errorf("%w: user %q", ErrNotFound, id)
	}
	w := &Watch{s: s, id: strings.ToLower(id), min: minRevision, done: make(chan struct{})}
	s.waits.add(w)
	s.ensureListener()
	return w, nil
}

// Watch is one registered read-your-writes wait; see Store.Watch. Every Watch of the
// same user shares one entry, so one notification costs at most one query for all of
// them.
type Watch struct {
	s    *Store
	id   string
	min  int64
	done chan struct{} // closed once user has reached min

	seen  int64 // the revision the last notification named, when known
	known bool

	// guarded by s.waits.mu
	user    User // the row at ≥ min, once done
	last    User // the newest row a shared read returned below min
	queries int  // shared reads this wait took part in
	closed  bool
}

// Behind reports that the row is known to be below the watched revision — the last
// notification for it named seen, and the Store has listened without a break since —
// so the caller may skip its first read and Wait: the change it waits for is still to
// be notified. Then a waited read costs one query, shared with every other waiter.
func (w *Watch) Behind() (seen int64, ok bool) {
	if !w.known || w.seen >= w.min {
		return w.seen, false
	}
	l := w.s.currentListener()
	return w.seen, l != nil && l.healthy.Load()
}

// Wait blocks until the row reaches the watched revision (returning it) or ctx ends
// (returning the newest row read for this wait, or the zero User, and an error wrapping
// ErrLagging and ctx.Err()).
func (w *Watch) Wait(ctx context.Context) (User, error) {
	select {
	case <-w.done:
		return w.user, nil
	case <-ctx.Done():
	}
	w.s.waits.mu.Lock()
	last := w.last
	w.s.waits.mu.Unlock()
	select {
	case <-w.done: // reached at the last moment: answer it
		return w.user, nil
	default:
	}
	return last, fmt.Errorf("%w: user %s at revision %d, want %d: %w", ErrLagging, w.id, last.Revision, w.min, ctx.Err())
}

// Seen is the newest revision this wait knows the row to have reached, from a shared
// read or a notification (0: none yet): what a lagging answer reports.
func (w *Watch) Seen() int64 {
	w.s.waits.mu.Lock()
	defer w.s.waits.mu.Unlock()
	rev, _ := w.s.waits.knownRevision(w.id)
	return max(rev, w.seen, w.last.Revision)
}

// Queries is how many shared reads this wait took part in (the caller's own Get not
// counted): 0 or 1 in the common case.
func (w *Watch) Queries() int {
	w.s.waits.mu.Lock()
	defer w.s.waits.mu.Unlock()
	return w.queries
}

// Close ends the wait; it is idempotent.
func (w *Watch) Close() { w.s.waits.remove(w) }

// WaitStats describe a Store's waiting: what is waited for now and the totals since New.
type WaitStats struct {
	Waiting    int  // Watches open
	Aggregates int  // distinct users they wait on
	Listening  bool // the LISTEN connection is up (else the waits poll)
	// Notifications received; Reads is the shared reads they (and polls) caused;
	// Wakeups the Watches those reads released; Polls the fallback polls run while the
	// LISTEN connection was down.
	Notifications, Reads, Wakeups, Polls uint64
}

// WaitStats returns the Store's waiting statistics.
func (s *Store) WaitStats() WaitStats {
	st := s.waits.stats()
	if l := s.currentListener(); l != nil {
		st.Listening = l.healthy.Load()
	}
	return st
}
