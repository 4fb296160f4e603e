package readmodel

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// waits are a Store's open Watches, one entry per user however many requests wait on
// it. Notifications name the users that changed; only their entries are read again, in
// one query per notification (a batch of users: one query too), and each read releases
// every Watch of the user it satisfies.
type waits struct {
	mu   sync.Mutex
	aggs map[string]*aggWait
	open int

	// known is the revision the latest notification named for each recently changed
	// user, kept while the LISTEN connection stays up (forgotten on a disconnect, a
	// table-wide notification or another live table), in two generations of at most
	// knownCap entries. A Watch whose user is known below its revision needs no first
	// read: the change it waits for has not been notified yet, and will be.
	known, knownOld map[string]int64

	notifications, reads, wakeups, polls atomic.Uint64
}

const knownCap = 1 << 16

// learn records the revisions a notification named.
func (ws *waits) learn(reached map[string]int64) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.known == nil || len(ws.known) >= knownCap {
		ws.knownOld, ws.known = ws.known, make(map[string]int64, len(reached))
	}
	for id, rev := range reached {
		ws.known[id] = rev
	}
}

// forget drops what notifications said: some change may have gone unnotified.
func (ws *waits) forget() {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.known, ws.knownOld = nil, nil
}

// knownRevision is the revision the latest notification named for id, if remembered.
func (ws *waits) knownRevision(id string) (int64, bool) {
	if rev, ok := ws.known[id]; ok {
		return rev, true
	}
	rev, ok := ws.knownOld[id]
	return rev, ok
}

// aggWait is one user's entry: its Watches and whether a read of its row is running.
type aggWait struct {
	watches  map[*Watch]struct{}
	fetching bool // a read is running
	again    bool // a change arrived while it ran: read once more after it
}

func (ws *waits) add(w *Watch) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.aggs == nil {
		ws.aggs = map[string]*aggWait{}
	}
	a := ws.aggs[w.id]
	if a == nil {
		a = &aggWait{watches: map[*Watch]struct{}{}}
		ws.aggs[w.id] = a
	}
	a.watches[w] = struct{}{}
	ws.open++
	w.seen, w.known = ws.knownRevision(w.id)
}

func (ws *waits) remove(w *Watch) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if w.closed {
		return
	}
	w.closed = true
	ws.open--
	if a := ws.aggs[w.id]; a != nil {
		delete(a.watches, w)
		if len(a.watches) == 0 && !a.fetching {
			delete(ws.aggs, w.id)
		}
	}
}

func (ws *waits) pending() bool {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.open > 0
}

func (ws *waits) stats() WaitStats {
	ws.mu.Lock()
	st := WaitStats{Waiting: ws.open, Aggregates: len(ws.aggs)}
	ws.mu.Unlock()
	st.Notifications, st.Reads, st.Wakeups, st.Polls = ws.notifications.Load(), ws.reads.Load(), ws.wakeups.Load(), ws.polls.Load()
	return st
}

// claim marks the entries of ids that need a read (wanted says which; nil: all that have
// Watches) and returns those not already being read; those are flagged to be read again.
func (ws *waits) claim(ids []string, wanted func(id string, a *aggWait) bool) []string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var out []string
	for _, id := range ids {
		a := ws.aggs[id]
		if a == nil || len(a.watches) == 0 || (wanted != nil && !wanted(id, a)) {
			continue
		}
		if a.fetching {
			a.again = true
			continue
		}
		a.fetching = true
		out = append(out, id)
	}
	return out
}

// claimAll is claim over every entry: a table-wide change, a reconnect, a poll.
func (ws *waits) claimAll() []string {
	ws.mu.Lock()
	ids := make([]string, 0, len(ws.aggs))
	for id := range ws.aggs {
		ids = append(ids, id)
	}
	ws.mu.Unlock()
	return ws.claim(ids, nil)
}

// deliver hands the rows read for ids to their Watches and returns the ids to read
// again (a change arrived during the read).
func (ws *waits) deliver(ids []string, rows map[string]User, released func()) (again []string) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, id := range ids {
		a := ws.aggs[id]
		if a == nil {
			continue
		}
		a.fetching = false
		u, found := rows[id]
		for w := range a.watches {
			w.queries++
			switch {
			case found && u.Revision >= w.min:
				w.user, w.closed = u, true
				close(w.done)
				delete(a.watches, w)
				ws.open--
				ws.wakeups.Add(1)
				released()
			case found:
				w.last = u
			}
		}
		switch {
		case len(a.watches) == 0:
			delete(ws.aggs, id)
		case a.again:
			a.again, a.fetching = false, true
			again = append(again, id)
		}
	}
	return again
}

// release gives up the reads of ids after a failed read, without delivering.
func (ws *waits) release(ids []string) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	for _, id := range ids {
		if a := ws.aggs[id]; a != nil {
			a.fetching, a.again = false, false
			if len(a.watches) == 0 {
				delete(ws.aggs, id)
			}
		}
	}
}

// maxConcurrentReads bounds the shared reads in flight, so a burst of notifications
// cannot take the whole pool from the queries.
const maxConcurrentReads = 4

// read reads the rows of ids (claimed) in one query and delivers them; what changed
// meanwhile is read again. A failed read is retried after PollInterval. notified is when
// the notification that started the read arrived (zero for a poll or a reconnect): the
// Watches it releases report their wait from it to Options.Visible.
func (s *Store) read(ids []string, notified time.Time) {
	released := func() {}
	if s.opts.Visible != nil && !notified.IsZero() {
		released = func() { s.opts.Visible(time.Since(notified)) }
	}
	for len(ids) > 0 {
		select {
		case s.readSlots <- struct{}{}:
		case <-s.bg.Done():
			s.waits.release(ids)
			return
		}
		rows, err := s.getMany(ids)
		<-s.readSlots
		s.waits.reads.Add(1)
		if err != nil && !errors.Is(err, ErrNoLiveVersion) {
			s.waits.release(ids)
			retry := ids
			time.AfterFunc(s.opts.PollInterval, func() { s.wake(retry, nil, time.Time{}) })
			return
		}
		ids = s.waits.deliver(ids, rows, released)
	}
}

// wake starts a read of the entries of ids that need one.
func (s *Store) wake(ids []string, wanted func(id string, a *aggWait) bool, notified time.Time) {
	if ids = s.waits.claim(ids, wanted); len(ids) > 0 {
		go s.read(ids, notified)
	}
}

// wakeAll starts a read of every entry.
func (s *Store) wakeAll() {
	if ids := s.waits.claimAll(); len(ids) > 0 {
		go s.read(ids, time.Time{})
	}
}

// getMany reads the live rows of ids, keyed by id.
func (s *Store) getMany(ids []string) (map[string]User, error) {
	ctx, cancel := context.WithTimeout(s.bg, 10*time.Second)
	defer cancel()
	out := make(map[string]User, len(ids))
	err := s.withTable(ctx, func(table string) error {
		rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM `+table+` WHERE id = ANY($1::text[]::uuid[])`, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			out[u.ID] = u
		}
		return rows.Err()
	})
	return out, err
}

// notified handles one notification: the Watches of the users it names at or past
// their revision are read (only when the table is the live one); a table-wide one
// reads every entry.
func (s *Store) notified(payload string) {
	at := time.Now()
	s.waits.notifications.Add(1)
	n := parseNotification(payload)
	live, fresh := s.liveTable()
	switch {
	case live != "" && n.table != "" && n.table != live && fresh:
		return // another version's table (a rebuild): no waiter reads it
	case n.tableWide || n.table != live:
		// table-wide, or the live version is unknown or may have changed: re-check all;
		// the read refreshes the live version.
		s.waits.forget()
		s.wakeAll()
		return
	}
	reached := make(map[string]int64, len(n.changes))
	ids := make([]string, 0, len(n.changes))
	for _, c := range n.changes {
		if c.revision > reached[c.id] {
			if _, seen := reached[c.id]; !seen {
				ids = append(ids, c.id)
			}
			reached[c.id] = c.revision
		}
	}
	s.waits.learn(reached)
	s.wakeReached(ids, reached, at)
}

// wakeReached wakes the entries of ids that have a Watch at or below the revision the
// notification announced for them.
func (s *Store) wakeReached(ids []string, reached map[string]int64, notified time.Time) {
	s.wake(ids, func(id string, a *aggWait) bool {
		for w := range a.watches {
			if w.min <= reached[id] {
				return true
			}
		}
		return false
	}, notified)
}
