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

// HistoryEntry is one event of a stream as the audit trail shows it: what (type, data as
// stored), when (recorded_at) and who and why (metadata).
type HistoryEntry struct {
	EventID       uuid.UUID
	Revision      int64
	EventType     string
	SchemaVersion int
	RecordedAt    time.Time
	Data          json.RawMessage
	Metadata      eventstore.Metadata
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
	out := make([]HistoryEntry, len(events))
	for i, e := range events {
		meta, err := eventstore.DecodeMetadata(e.Metadata)
		if err != nil {
			return nil, err
		}
		out[i] = HistoryEntry{EventID: e.EventID, Revision: e.Revision, EventType: e.EventType,
			SchemaVersion: e.SchemaVersion, RecordedAt: e.RecordedAt, Data: e.Data, Metadata: meta}
	}
	return out, nil
}

// StateAt rebuilds user id as it was at revision (if > 0) or at instant at (if not zero),
// or now. A user that did not exist yet at that point is user.ErrNotFound; a revision past
// the stream's end is a *RevisionNotFoundError (also user.ErrNotFound), never the current
// state labelled with that revision; a deleted user is returned as such (time travel
// shows deletions, it does not refuse them).
func (s *Service) StateAt(ctx context.Context, id uuid.UUID, revision int64, at time.Time) (user.State, error) {
	u, err := s.load(ctx, id, pointInTime{revision: revision, at: at})
	if err != nil {
		return user.State{}, err
	}
	if !u.Exists() {
		return user.State{}, user.ErrNotFound
	}
	if revision > 0 && u.Revision() < revision {
		return user.State{}, &RevisionNotFoundError{UserID: id, Revision: revision, Events: u.Revision()}
	}
	return u.State(), nil
}

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
