package eventstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/google/uuid"

	"github.com/recall-events/recall/eventstore"
)

// An event the size of a UserUpdated: ≈200 bytes of data, ≈150 of metadata.
var benchData = json.RawMessage(`{"first_name":"Ada","last_name":"Lovelace-Byron","email":"ada.lovelace@analytical-engine.example.org","note":"a field to bring the payload to a realistic size for the benchmark"}`)

func benchEvent() eventstore.NewEvent {
	return eventstore.NewEvent{EventType: "UserUpdated", SchemaVersion: 1, Data: benchData,
		Metadata: eventstore.Metadata{ActorID: "0193a5c2-7d1e-7b3a-9f00-000000000001", ActorRole: "admin",
			Reason: "benchmark", RequestID: "req-0123456789", CorrelationID: "corr-0123456789"}}
}

// clients maps a client count onto RunParallel's goroutines (GOMAXPROCS × parallelism).
func parallel(b *testing.B, clients int, fn func(pb *testing.PB)) {
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.RunParallel(fn)
}

// BenchmarkAppend is single-event appends with an exact expectation, each client on its
// own stream, next to BenchmarkRawInsert: the same rows by a plain INSERT, no checks.
func BenchmarkAppend(b *testing.B) {
	for _, clients := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			s := setup(b)
			b.ResetTimer()
			parallel(b, clients, func(pb *testing.PB) {
				id, rev := uuid.New(), int64(0)
				for pb.Next() {
					_, err := s.store.Append(context.Background(), eventstore.AppendRequest{
						AggregateType: "user", AggregateID: id, Expected: eventstore.Exactly(rev),
						Events: []eventstore.NewEvent{benchEvent()},
					})
					if err != nil {
						b.Error(err)
						return
					}
					rev++
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func BenchmarkRawInsert(b *testing.B) {
	meta, _ := json.Marshal(benchEvent().Metadata)
	for _, clients := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			s := setup(b)
			b.ResetTimer()
			parallel(b, clients, func(pb *testing.PB) {
				id, rev := uuid.New(), int64(0)
				for pb.Next() {
					rev++
					_, err := s.pool.Exec(context.Background(), `INSERT INTO events
						(event_id, aggregate_type, aggregate_id, revision, event_type, schema_version, data, metadata)
						VALUES ($1, 'user', $2, $3, 'UserUpdated', 1, $4, $5)`,
						uuid.Must(uuid.NewV7()), id, rev, string(benchData), string(meta))
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkAppendBatch100 appends 100-event transactions (b.N counts events).
func BenchmarkAppendBatch100(b *testing.B) {
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			s := setup(b)
			batch := make([]eventstore.NewEvent, 100)
			for i := range batch {
				batch[i] = benchEvent()
			}
			b.ResetTimer()
			parallel(b, clients, func(pb *testing.PB) {
				id, rev := uuid.New(), int64(0)
				for {
					n := 0
					for n < 100 && pb.Next() {
						n++
					}
					if n == 0 {
						return
					}
					_, err := s.store.Append(context.Background(), eventstore.AppendRequest{
						AggregateType: "user", AggregateID: id, Expected: eventstore.Exactly(rev), Events: batch[:n],
					})
					if err != nil {
						b.Error(err)
						return
					}
					rev += int64(n)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkLoadStream10k reads a 10,000-event stream whole, and from its newest snapshot
// (the snapshot row plus the events after it: none here).
func BenchmarkLoadStream10k(b *testing.B) {
	s := setup(b)
	ctx := context.Background()
	id := uuid.New()
	batch := make([]eventstore.NewEvent, 1000)
	for i := range batch {
		batch[i] = benchEvent()
	}
	var last eventstore.AppendResult
	for i := 0; i < 10; i++ {
		var err error
		if last, err = s.store.Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: id,
			Expected: eventstore.Any, Events: batch}); err != nil {
			b.Fatal(err)
		}
	}
	state, _ := json.Marshal(map[string]any{"username": "ada", "email": "ada@example.org", "first_name": "Ada",
		"last_name": "Lovelace", "role": "admin", "status": "active", "revision": last.Revision})
	if err := s.store.SaveSnapshot(ctx, eventstore.Snapshot{AggregateID: id, AggregateType: "user",
		Revision: last.Revision, StateVersion: 1, State: state, AsOf: last.Recorded[0].RecordedAt}); err != nil {
		b.Fatal(err)
	}
	b.Run("without-snapshot", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			events, err := s.store.ReadStream(ctx, id, eventstore.StreamRange{})
			if err != nil || len(events) != 10000 {
				b.Fatalf("%d events, %v", len(events), err)
			}
		}
	})
	b.Run("with-snapshot", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			snap, err := s.store.LoadSnapshot(ctx, id, eventstore.SnapshotQuery{StateVersion: 1})
			if err != nil || snap == nil {
				b.Fatal(snap, err)
			}
			events, err := s.store.ReadStream(ctx, id, eventstore.StreamRange{FromRevision: snap.Revision + 1})
			if err != nil || len(events) != 0 {
				b.Fatalf("%d events, %v", len(events), err)
			}
		}
	})
}
