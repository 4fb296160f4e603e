package app

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/eventstore"
)

// ActorEntry is one event an actor caused, on whichever stream.
type ActorEntry struct {
	HistoryEntry
	AggregateType  string
	AggregateID    uuid.UUID
	GlobalPosition int64
}

// ActorPage is a page of an actor's events, newest first; Next (0 on the last page) is
// the cursor of the following page.
type ActorPage struct {
	Entries []ActorEntry
	Next    int64
}

// ActorEvents answers what actorID (a user id, or "system"/"operator") changed, newest
// first, limit events before cursor position before (0: from the newest). Only admins
// and auditors may ask.
func (s *Service) ActorEvents(ctx context.Context, p auth.Principal, actorID string, before int64, limit int) (ActorPage, error) {
	if !p.MayReadAll() {
		return ActorPage{}, ErrForbidden
	}
	// One more than asked tells whether a next page exists without a second query.
	events, err := s.store.ReadByActor(ctx, eventstore.ActorQuery{ActorID: actorID, Before: before, Limit: limit + 1})
	if err != nil {
		return ActorPage{}, err
	}
	var page ActorPage
	if len(events) > limit {
		events = events[:limit]
		page.Next = events[limit-1].GlobalPosition
	}
	page.Entries = make([]ActorEntry, len(events))
	if err := s.noteErasures(ctx, aggregateIDs(events)); err != nil {
		return ActorPage{}, err
	}
	o := s.auditOpener()
	for i, e := range events {
		// Sealed fields opened as in a history; a forgotten person's show the erased marker.
		op, err := o.Open(ctx, e.AggregateType, e.AggregateID.String(), e.EventType, e.SchemaVersion, e.Data, e.Metadata)
		if err != nil {
			return ActorPage{}, fmt.Errorf("app: events of actor %s: %w", actorID, err)
		}
		page.Entries[i] = ActorEntry{AggregateType: e.AggregateType, AggregateID: e.AggregateID, GlobalPosition: e.GlobalPosition,
			HistoryEntry: HistoryEntry{EventID: e.EventID, Revision: e.Revision, EventType: e.EventType,
				SchemaVersion: e.SchemaVersion, RecordedAt: e.RecordedAt, Data: op.Data, Metadata: op.Metadata}}
	}
	return page, nil
}

// aggregateIDs lists the streams of events, each once.
func aggregateIDs(events []eventstore.Event) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(events))
	var ids []uuid.UUID
	for _, e := range events {
		if !seen[e.AggregateID] {
			seen[e.AggregateID] = true
			ids = append(ids, e.AggregateID)
		}
	}
	return ids
}
