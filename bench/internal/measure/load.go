package measure

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/bench/internal/apiclient"
	"github.com/recall-events/recall/bench/internal/rig"
	"github.com/recall-events/recall/bench/internal/seed"
	"github.com/recall-events/recall/bench/internal/stats"
	"github.com/recall-events/recall/eventstore"
)

// LoadResult is (e): median milliseconds to rebuild a 10,000-event user.
type LoadResult struct {
	Events int `json:"events"`
	Reps   int `json:"reps"`
	// Through command-api: GET /v1/users/{id}/state?revision=10000, which runs the
	// command side's load (snapshot at or before the revision, then newer events, upcast,
	// fold). Its in-memory cache of current states serves only current loads, never this.
	HTTPWithout float64 `json:"http_without_snapshot_ms"`
	HTTPWith    float64 `json:"http_with_snapshot_ms"`
	// The event store's read path alone (what the load costs below the API's decoding).
	StoreWithout float64 `json:"store_without_snapshot_ms"`
	StoreWith    float64 `json:"store_with_snapshot_ms"`
}

// Load measures (e). Two streams of 10,000 events are inserted: B as is (no snapshot),
// A with its last event appended through the API, which stores a snapshot at revision
// 10,000 because the append crosses a multiple of the snapshot interval (100).
func Load(ctx context.Context, r *rig.Rig, reps int) (LoadResult, error) {
	const n = 10_000
	res := LoadResult{Events: n, Reps: reps}
	a, err := seed.Streams(ctx, r.Pool, seed.Backlog{Streams: 1, PerStream: n - 1, PerTx: 1000, Workers: 1})
	if err != nil {
		return res, err
	}
	b, err := seed.Streams(ctx, r.Pool, seed.Backlog{Streams: 1, PerStream: n, PerTx: 1000, Workers: 1})
	if err != nil {
		return res, err
	}
	api := apiclient.New(r.APIURL, 4)
	if err := api.Login(ctx, r.AdminUser, r.AdminPassword); err != nil {
		return res, err
	}
	if out, err := api.UpdateUser(ctx, a[0], apiclient.Update{LastName: "Snapshot"}, ""); err != nil || out.Revision != n {
		return res, fmt.Errorf("measure: the snapshotting append: revision %d status %d: %v", out.Revision, out.Status, err)
	}
	// The command side's state version is internal to command-api; the snapshot says it.
	var stateVersion int
	if err := r.Pool.QueryRow(ctx, `SELECT state_version FROM snapshots WHERE aggregate_id = $1 AND revision = $2`, a[0], n).Scan(&stateVersion); err != nil {
		return res, fmt.Errorf("measure: no snapshot at revision %d of the stream: %w", n, err)
	}
	var times [4][]float64
	for range reps {
		for i, f := range []func() error{
			func() error { return state(ctx, api, b[0], n) },
			func() error { return state(ctx, api, a[0], n) },
			func() error { return readAll(ctx, r.Store, b[0], n) },
			func() error { return readFromSnapshot(ctx, r.Store, a[0], stateVersion) },
		} {
			start := time.Now()
			if err := f(); err != nil {
				return res, err
			}
			times[i] = append(times[i], float64(time.Since(start).Microseconds())/1000)
		}
	}
	res.HTTPWithout, res.HTTPWith = stats.Median(times[0]), stats.Median(times[1])
	res.StoreWithout, res.StoreWith = stats.Median(times[2]), stats.Median(times[3])
	return res, nil
}

func state(ctx context.Context, api *apiclient.Client, id uuid.UUID, n int64) error {
	rev, err := api.State(ctx, id, n)
	if err == nil && rev != n {
		err = fmt.Errorf("measure: state of %s at revision %d, want %d", id, rev, n)
	}
	return err
}

func readAll(ctx context.Context, s *eventstore.Store, id uuid.UUID, n int) error {
	events, err := s.ReadStream(ctx, id, eventstore.StreamRange{})
	if err == nil && len(events) != n {
		err = fmt.Errorf("measure: read %d events of %d", len(events), n)
	}
	return err
}

// readFromSnapshot is what the command side's load does below its decoding: the newest
// snapshot row of the state version, then the events after it (none here).
func readFromSnapshot(ctx context.Context, s *eventstore.Store, id uuid.UUID, stateVersion int) error {
	snap, err := s.LoadSnapshot(ctx, id, eventstore.SnapshotQuery{StateVersion: stateVersion})
	if err != nil {
		return err
	}
	if snap == nil {
		return fmt.Errorf("measure: no snapshot of %s", id)
	}
	_, err = s.ReadStream(ctx, id, eventstore.StreamRange{FromRevision: snap.Revision + 1})
	return err
}
