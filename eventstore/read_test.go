package eventstore_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/pgmigrate"
)

func TestReadStreamAndTimeTravel(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := uuid.New()
	var instants []time.Time
	for i := 0; i < 3; i++ {
		res := appendN(t, b.store, id, eventstore.Any, 2)
		instants = append(instants, res.Recorded[0].RecordedAt)
		time.Sleep(5 * time.Millisecond)
	}
	all, err := b.store.ReadStream(ctx, id, eventstore.StreamRange{})
	if err != nil || len(all) != 6 {
		t.Fatalf("all: %d %v", len(all), err)
	}
	var meta eventstore.Metadata
	if err := json.Unmarshal(all[0].Metadata, &meta); err != nil || meta.ActorID != "tester" || meta.Reason != "test" {
		t.Fatalf("metadata %s: %v", all[0].Metadata, err)
	}
	if all[0].AggregateType != "thing" || all[0].SchemaVersion != 1 || all[0].EventType != "Thing" {
		t.Fatalf("event %+v", all[0])
	}
	tests := []struct {
		name string
		r    eventstore.StreamRange
		revs []int64
	}{
		{"from 4", eventstore.StreamRange{FromRevision: 4}, []int64{4, 5, 6}},
		{"2..3", eventstore.StreamRange{FromRevision: 2, ToRevision: 3}, []int64{2, 3}},
		{"until second commit", eventstore.StreamRange{Until: instants[1]}, []int64{1, 2, 3, 4}},
		{"before anything", eventstore.StreamRange{Until: instants[0].Add(-time.Millisecond)}, nil},
		{"until and to", eventstore.StreamRange{Until: instants[2], ToRevision: 5}, []int64{1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		got, err := b.store.ReadStream(ctx, id, tt.r)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var revs []int64
		for _, e := range got {
			revs = append(revs, e.Revision)
		}
		if len(revs) != len(tt.revs) {
			t.Fatalf("%s: revisions %v, want %v", tt.name, revs, tt.revs)
		}
		for i := range revs {
			if revs[i] != tt.revs[i] {
				t.Fatalf("%s: revisions %v, want %v", tt.name, revs, tt.revs)
			}
		}
	}
	if missing, err := b.store.ReadStream(ctx, uuid.New(), eventstore.StreamRange{}); err != nil || len(missing) != 0 {
		t.Fatalf("missing stream: %v %v", missing, err)
	}
}

func TestReadAllInPositionOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		appendN(t, b.store, uuid.New(), eventstore.NoStream, 3)
	}
	var got []eventstore.Event
	from := int64(0)
	for {
		page, err := b.store.ReadAll(ctx, from, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		from = page[len(page)-1].GlobalPosition + 1
	}
	if len(got) != 15 {
		t.Fatalf("read %d events, want 15", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].GlobalPosition <= got[i-1].GlobalPosition {
			t.Fatal("positions out of order")
		}
	}
}

func TestSnapshotVersioning(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := uuid.New()
	var recorded []eventstore.Recorded
	for i := 0; i < 10; i++ { // one transaction each, so each revision has its own instant
		recorded = append(recorded, appendN(t, b.store, id, eventstore.Any, 1).Recorded...)
		time.Sleep(time.Millisecond)
	}
	at := func(rev int) time.Time { return recorded[rev-1].RecordedAt }
	for _, s := range []eventstore.Snapshot{
		{AggregateID: id, AggregateType: "thing", Revision: 4, StateVersion: 1, State: json.RawMessage(`{"v":1,"rev":4}`), AsOf: at(4)},
		{AggregateID: id, AggregateType: "thing", Revision: 8, StateVersion: 1, State: json.RawMessage(`{"v":1,"rev":8}`), AsOf: at(8)},
		{AggregateID: id, AggregateType: "thing", Revision: 6, StateVersion: 2, State: json.RawMessage(`{"v":2,"rev":6}`), AsOf: at(6)},
	} {
		if err := b.store.SaveSnapshot(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		q    eventstore.SnapshotQuery
		rev  int64 // 0: none
	}{
		{"latest v1", eventstore.SnapshotQuery{StateVersion: 1}, 8},
		{"latest v2 ignores v1", eventstore.SnapshotQuery{StateVersion: 2}, 6},
		{"unknown version: rebuild from events", eventstore.SnapshotQuery{StateVersion: 3}, 0},
		{"v1 at or before 7", eventstore.SnapshotQuery{StateVersion: 1, MaxRevision: 7}, 4},
		{"v1 before 4", eventstore.SnapshotQuery{StateVersion: 1, MaxRevision: 3}, 0},
		{"v1 as of rev 5", eventstore.SnapshotQuery{StateVersion: 1, AsOf: at(5)}, 4},
	}
	for _, tt := range tests {
		snap, err := b.store.LoadSnapshot(ctx, id, tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		switch {
		case tt.rev == 0 && snap != nil:
			t.Errorf("%s: got snapshot at %d, want none", tt.name, snap.Revision)
		case tt.rev != 0 && (snap == nil || snap.Revision != tt.rev):
			t.Errorf("%s: got %+v, want revision %d", tt.name, snap, tt.rev)
		}
	}
}

func TestSnapshotInsideAppend(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	id := uuid.New()
	_, err := b.store.Append(ctx, eventstore.AppendRequest{
		AggregateType: "thing", AggregateID: id, Expected: eventstore.NoStream,
		Events: []eventstore.NewEvent{newEvent("Thing", 1), newEvent("Thing", 2)},
		Snapshot: func(rec []eventstore.Recorded) (*eventstore.Snapshot, error) {
			last := rec[len(rec)-1]
			return &eventstore.Snapshot{AggregateID: id, AggregateType: "thing", Revision: last.Revision,
				StateVersion: 1, State: json.RawMessage(`{}`), AsOf: last.RecordedAt}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := b.store.LoadSnapshot(ctx, id, eventstore.SnapshotQuery{StateVersion: 1})
	if err != nil || snap == nil || snap.Revision != 2 {
		t.Fatalf("snapshot %+v %v", snap, err)
	}
}

func TestMigrateConcurrentlyIsSafe(t *testing.T) {
	t.Parallel()
	b := setup(t) // already migrated once
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- pgmigrate.Up(context.Background(), b.url, eventstore.Migrations) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
