package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/eventstore/subjectkeys"
)

// HistoryEntry is one event of a stream as the audit trail shows it: what (type, data
// as stored, sealed fields opened), when (recorded_at) and who and why (metadata, its
// sealed reason opened as reason). A field whose key is gone (the person was forgotten)
// holds schemas.ErasedMarker; type, revision, time, actor and the forget reason stay.
type HistoryEntry struct {
	EventID       uuid.UUID
	Revision      int64
	EventType     string
	SchemaVersion int
	RecordedAt    time.Time
	Data          json.RawMessage
	Metadata      json.RawMessage
}

// History returns every event of user id's stream, read from the store (never a read
// model). An empty stream is user.ErrNotFound.
func (s *Service) History(ctx context.Context, id uuid.UUID) ([]HistoryEntry, error) {
	events, err := s.store.ReadStream(ctx, id, eventstore.StreamRange{})
	if err != nil {
		return nil, err
	}
	if len(events) == 0 || events[0].AggregateType != user.AggregateType {
		return nil, user.ErrNotFound
	}
	if err := s.noteErasures(ctx, []uuid.UUID{id}); err != nil {
		return nil, err
	}
	out := make([]HistoryEntry, len(events))
	o := s.auditOpener()
	for i, e := range events {
		op, err := o.Open(ctx, e.AggregateType, e.AggregateID.String(), e.EventType, e.SchemaVersion, e.Data, e.Metadata)
		if err != nil {
			return nil, fmt.Errorf("app: history of %s revision %d: %w", id, e.Revision, err)
		}
		out[i] = HistoryEntry{EventID: e.EventID, Revision: e.Revision, EventType: e.EventType,
			SchemaVersion: e.SchemaVersion, RecordedAt: e.RecordedAt, Data: op.Data, Metadata: op.Metadata}
	}
	return out, nil
}

// StateView is a rebuilt state; Erased says its personal fields were erased (the person
// was forgotten), so the empty ones mean "erased", not "empty".
type StateView struct {
	user.State
	Erased bool
}

// StateAt rebuilds user id as it was at revision (if > 0) or at instant at (if not zero),
// or now. A user that did not exist yet at that point is user.ErrNotFound; a revision past
// the stream's end is a *RevisionNotFoundError (also user.ErrNotFound), never the current
// state labelled with that revision; a deleted user is returned as such (time travel
// shows deletions, it does not refuse them).
//
// A forgotten person's states are answered too, with Erased set: when and what changed
// stays, the personal values are gone.
func (s *Service) StateAt(ctx context.Context, id uuid.UUID, revision int64, at time.Time) (StateView, error) {
	u, erased, err := s.loadAudit(ctx, id, pointInTime{revision: revision, at: at})
	if err != nil {
		return StateView{}, err
	}
	if !u.Exists() {
		return StateView{}, user.ErrNotFound
	}
	if revision > 0 && u.Revision() < revision {
		return StateView{}, &RevisionNotFoundError{UserID: id, Revision: revision, Events: u.Revision()}
	}
	return StateView{State: u.State(), Erased: erased || u.IsForgotten()}, nil
}

// loadAudit rebuilds the user as of p, saying whether personal fields were erased. It
// reads every event from revision 1: a snapshot would hide whether they were. A forget
// after p erases p's state too (noteErasures).
func (s *Service) loadAudit(ctx context.Context, id uuid.UUID, p pointInTime) (*user.User, bool, error) {
	if err := s.noteErasures(ctx, []uuid.UUID{id}); err != nil {
		return nil, false, err
	}
	events, err := s.store.ReadStream(ctx, id, eventstore.StreamRange{FromRevision: 1, ToRevision: p.revision})
	if err != nil {
		return nil, false, err
	}
	recorded, erased, err := s.decodeUntil(ctx, events, p.at)
	if err != nil {
		return nil, false, err
	}
	u, err := user.Rehydrate(id, nil, recorded)
	return u, erased, err
}

// DataKey returns user id's data key for a machine caller decoding sealed fields itself
// (role service, or admin). found is false when the person was forgotten (or never had
// a key). ttl is how long the caller may cache it.
func (s *Service) DataKey(ctx context.Context, actor auth.Principal, id uuid.UUID) (key subjectkeys.Key, found bool, ttl time.Duration, err error) {
	if !actor.IsAdmin() && actor.Role != RoleService {
		return subjectkeys.Key{}, false, 0, ErrForbidden
	}
	if s.keys == nil {
		return subjectkeys.Key{}, false, 0, nil
	}
	// The row, not the cache: a key handed out here is kept by the caller for ttl more,
	// so a forget through another instance must be seen at once, not after the cache's
	// lifetime on top of the caller's.
	key, st, err := s.keys.LookupStored(ctx, id)
	return key, st == subjectkeys.Live, s.keys.CacheTTL(), err
}

// noteErasures makes the keyring drop the cached keys of those of ids who were forgotten
// (one query on subject_keys' tombstones), before a view opens their events. A forget
// through another instance drops the key there at once, while this instance's cache would
// answer it for up to its lifetime: every view that shows opened personal data (history,
// past states, the actor view, dry runs) asks first.
func (s *Service) noteErasures(ctx context.Context, ids []uuid.UUID) error {
	if s.keys == nil {
		return nil
	}
	return s.keys.NoteErasures(ctx, ids)
}

// RoleService is the role of machine callers allowed to fetch data keys.
const RoleService = "service"

// RevisionNotFoundError: the asked revision is past the end of the stream, which holds
// Events events.
type RevisionNotFoundError struct {
	UserID   uuid.UUID
	Revision int64
	Events   int64
}

func (e *RevisionNotFoundError) Error() string {
	return fmt.Sprintf("user %s has %d events; there is no revision %d", e.UserID, e.Events, e.Revision)
}

// Unwrap makes it a user.ErrNotFound.
func (e *RevisionNotFoundError) Unwrap() error { return user.ErrNotFound }
