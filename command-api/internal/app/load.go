package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
)

// pointInTime bounds a load: zero values mean "now".
type pointInTime struct {
	revision int64     // at most this revision (0: no bound)
	at       time.Time // recorded at or before this instant (zero: no bound)
}

// load rebuilds the user of stream id as of p: a snapshot of the current StateVersion at
// or before p, then the events after it.
func (s *Service) load(ctx context.Context, id uuid.UUID, p pointInTime) (*user.User, error) {
	current := p == pointInTime{}
	snap, err := s.start(ctx, id, p, current)
	if err != nil {
		return nil, err
	}
	from := int64(1)
	if snap != nil {
		from = snap.Revision + 1
	}
	events, err := s.store.ReadStream(ctx, id, eventstore.StreamRange{FromRevision: from, ToRevision: p.revision})
	if err != nil {
		return nil, err
	}
	recorded, _, err := s.decodeUntil(ctx, events, p.at)
	if err != nil {
		return nil, err
	}
	u, err := user.Rehydrate(id, snap, recorded)
	if err == nil && current && u.Exists() {
		s.cache.put(u.State())
	}
	return u, err
}

// start is the state to apply newer events to: the cached one for a current load, else a
// stored snapshot, else nil (from revision 1).
func (s *Service) start(ctx context.Context, id uuid.UUID, p pointInTime, current bool) (*user.State, error) {
	if current {
		if st, ok := s.cache.get(id); ok {
			return &st, nil
		}
	}
	return s.snapshot(ctx, id, p)
}

// snapshot returns a usable snapshot, or nil. One this code cannot read is ignored: the
// events are the truth, a snapshot only saves reading them.
func (s *Service) snapshot(ctx context.Context, id uuid.UUID, p pointInTime) (*user.State, error) {
	if s.opts.SnapshotEvery < 0 {
		return nil, nil
	}
	raw, err := s.store.LoadSnapshot(ctx, id, eventstore.SnapshotQuery{
		StateVersion: user.StateVersion, MaxRevision: p.revision, AsOf: p.at,
	})
	if err != nil || raw == nil {
		return nil, err
	}
	var st user.State
	if json.Unmarshal(raw.State, &st) != nil || !st.Compatible() || st.ID != id || st.Revision != raw.Revision {
		return nil, nil
	}
	if usable, err := s.openState(ctx, &st); err != nil || !usable {
		return nil, err
	}
	return &st, nil
}

// decodeUntil upcasts and decodes events in revision order, stopping at the first one
// recorded after at. The store stamps recorded_at after taking the stream's lock, so it
// never decreases along a stream; cutting at the first later event would keep the answer
// a prefix of the stream (a state that really existed) even if it did.
//
// Sealed fields are opened with the person's key; erased says some were erased (the key
// is gone), which the domain sees as "".
func (s *Service) decodeUntil(ctx context.Context, events []eventstore.Event, at time.Time) (out []user.RecordedEvent, erased bool, err error) {
	out = make([]user.RecordedEvent, 0, len(events))
	o := s.opener()
	for _, e := range events {
		if !at.IsZero() && e.RecordedAt.After(at) {
			break
		}
		op, err := o.Open(ctx, e.AggregateType, e.AggregateID.String(), e.EventType, e.SchemaVersion, e.Data, nil)
		if err != nil {
			return nil, false, fmt.Errorf("app: stream %s revision %d: %w", e.AggregateID, e.Revision, err)
		}
		unmarshal := user.Unmarshal
		if len(op.Erased) > 0 {
			unmarshal, erased = user.UnmarshalErased, true
		}
		ev, err := unmarshal(e.EventType, e.SchemaVersion, op.Data)
		if err != nil {
			return nil, false, fmt.Errorf("app: stream %s revision %d: %w", e.AggregateID, e.Revision, err)
		}
		out = append(out, user.RecordedEvent{Revision: e.Revision, RecordedAt: e.RecordedAt, Event: ev})
	}
	return out, erased, nil
}
