package eventstore

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/eventstore/streamfile"
)

// ExportStream returns stream id as stored, in the streamfile format: every event
// recorded at or before until (zero: all of them), data and metadata verbatim.
func (s *Store) ExportStream(ctx context.Context, id uuid.UUID, until time.Time) (streamfile.File, error) {
	events, err := s.ReadStream(ctx, id, StreamRange{Until: until})
	if err != nil {
		return streamfile.File{}, err
	}
	if len(events) == 0 {
		return streamfile.File{}, ErrStreamNotFound
	}
	f := streamfile.File{Format: streamfile.Format, AggregateType: events[0].AggregateType, AggregateID: id,
		ExportedAt: time.Now().UTC(), Events: make([]streamfile.Event, len(events))}
	if !until.IsZero() {
		u := until.UTC()
		f.Until = &u
	}
	for i, e := range events {
		f.Events[i] = streamfile.Event{EventID: e.EventID, Revision: e.Revision, EventType: e.EventType,
			SchemaVersion: e.SchemaVersion, RecordedAt: e.RecordedAt.UTC(), GlobalPosition: e.GlobalPosition,
			Data: e.Data, Metadata: e.Metadata}
	}
	return f, nil
}
