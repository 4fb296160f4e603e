package measure

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/bench/internal/apiclient"
	"github.com/recall-events/recall/bench/internal/rig"
	"github.com/recall-events/recall/bench/internal/seed"
	"github.com/recall-events/recall/bench/internal/stats"
	"github.com/recall-events/recall/eventstore"
)

// ThroughputConfig sizes (a).
type ThroughputConfig struct {
	Users    int           // per side: the API's users and the raw appender's streams
	Clients  []int         // concurrency levels
	Duration time.Duration // of one timed run
	Reps     int           // timed runs per level and side; the median is reported
}

// ThroughputRow is one concurrency level.
type ThroughputRow struct {
	Clients   int       `json:"clients"`
	APIPool   int32     `json:"api_pool"`          // command-api's MaxConns; 0: its default`
	HTTP      float64   `json:"http_cmds_per_s"`   // median
	Raw       float64   `json:"raw_appends_per_s"` // median
	Ratio     float64   `json:"ratio"`             // HTTP / Raw
	HTTPRuns  []float64 `json:"http_runs"`
	RawRuns   []float64 `json:"raw_runs"`
	Failures  int64     `json:"failures"` // non-2xx or failed appends (none expected)
	DataBytes int       `json:"event_data_bytes"`
	MetaBytes int       `json:"event_metadata_bytes"`
}

// Throughput measures (a). Runs alternate raw and HTTP at each level so that drift of the
// shared machine hits both sides alike.
func Throughput(ctx context.Context, r *rig.Rig, cfg ThroughputConfig) ([]ThroughputRow, error) {
	t, err := newThroughput(ctx, r, cfg)
	if err != nil {
		return nil, err
	}
	top := cfg.Clients[len(cfg.Clients)-1]
	warm := min(cfg.Duration, time.Second)
	t.run(ctx, top, warm, t.raw) // connections, caches, the planner: not what is measured
	t.run(ctx, top, warm, t.http)
	rows := make([]ThroughputRow, len(cfg.Clients))
	for rep := 0; rep < cfg.Reps; rep++ {
		for i, c := range cfg.Clients {
			rows[i].Clients = c
			rows[i].RawRuns = append(rows[i].RawRuns, t.run(ctx, c, cfg.Duration, t.raw))
			rows[i].HTTPRuns = append(rows[i].HTTPRuns, t.run(ctx, c, cfg.Duration, t.http))
		}
	}
	for i := range rows {
		rows[i].HTTP, rows[i].Raw = stats.Median(rows[i].HTTPRuns), stats.Median(rows[i].RawRuns)
		if rows[i].Raw > 0 {
			rows[i].Ratio = rows[i].HTTP / rows[i].Raw
		}
		rows[i].Failures, rows[i].DataBytes, rows[i].MetaBytes = t.failures.Load(), t.dataBytes, t.metaBytes
	}
	return rows, ctx.Err()
}

type throughput struct {
	api       *apiclient.Client
	store     *eventstore.Store
	apiUsers  []uuid.UUID
	rawUsers  []uuid.UUID
	rawRev    []int64 // current revision of each raw stream; one client owns a stream at a time
	meta      eventstore.Metadata
	failures  atomic.Int64
	dataBytes int
	metaBytes int
}

func newThroughput(ctx context.Context, r *rig.Rig, cfg ThroughputConfig) (*throughput, error) {
	t := &throughput{api: apiclient.New(r.APIURL, 64), store: r.Store}
	if err := t.api.Login(ctx, r.AdminUser, r.AdminPassword); err != nil {
		return nil, err
	}
	var err error
	suffix := uuid.NewString()[:6] // a second run on the same store needs fresh names
	if t.apiUsers, err = seed.Users(ctx, r.Store, "tput-api-"+suffix+"-", cfg.Users); err != nil {
		return nil, err
	}
	if t.rawUsers, err = seed.Users(ctx, r.Store, "tput-raw-"+suffix+"-", cfg.Users); err != nil {
		return nil, err
	}
	t.rawRev = make([]int64, len(t.rawUsers))
	for i := range t.rawRev {
		t.rawRev[i] = 1
	}
	return t, t.copyShape(ctx, r)
}

// copyShape sends one UpdateUser and reads the event it stored, so raw appends write an
// event of the same size and metadata fields (fresh ids of the same length).
func (t *throughput) copyShape(ctx context.Context, r *rig.Rig) error {
	res, err := t.api.UpdateUser(ctx, t.apiUsers[0], apiclient.Update{FirstName: name()}, "")
	if err != nil || !res.OK() {
		return fmt.Errorf("measure: first UpdateUser: status %d: %v", res.Status, err)
	}
	var data, meta []byte
	err = r.Pool.QueryRow(ctx, `SELECT data::text, metadata::text FROM events WHERE aggregate_id = $1 AND revision = $2`,
		res.ID, res.Revision).Scan(&data, &meta)
	if err != nil {
		return fmt.Errorf("measure: read the API's event: %w", err)
	}
	t.meta, err = eventstore.DecodeMetadata(meta)
	t.dataBytes, t.metaBytes = len(data), len(meta)
	return err
}

// name is a first name of fixed length, so every event has the same size.
func name() string { return fmt.Sprintf("N%07d", rand.N(10_000_000)) }

func (t *throughput) http(ctx context.Context, i int) error {
	res, err := t.api.UpdateUser(ctx, t.apiUsers[i], apiclient.Update{FirstName: name()}, "")
	if err == nil && !res.OK() {
		err = fmt.Errorf("status %d", res.Status)
	}
	return err
}

func (t *throughput) raw(ctx context.Context, i int) error {
	m := t.meta
	m.RequestID, m.CorrelationID = uuid.NewString(), uuid.NewString()
	_, err := t.store.Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: t.rawUsers[i],
		Expected: eventstore.Exactly(t.rawRev[i]),
		Events: []eventstore.NewEvent{{EventType: "UserUpdated", SchemaVersion: 1,
			Data: fmt.Appendf(nil, `{"first_name":%q,"last_name":null,"email":null}`, name()), Metadata: m}}})
	if err == nil {
		t.rawRev[i]++
	}
	return err
}

// run lets clients goroutines call op for d, client c on users c, c+clients, …, so no two
// clients ever write one stream (no conflicts on either side), and returns ops/s.
func (t *throughput) run(ctx context.Context, clients int, d time.Duration, op func(context.Context, int) error) float64 {
	var done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	n := len(t.apiUsers)
	for c := range clients {
		wg.Go(func() {
			for i := c; time.Now().Before(deadline) && ctx.Err() == nil; i = next(i, c, clients, n) {
				if err := op(ctx, i); err != nil {
					t.failures.Add(1)
					continue
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds()
}

// next is client c's next user: it cycles through c, c+clients, … below n only.
func next(i, c, clients, n int) int {
	if i += clients; i >= n {
		return c
	}
	return i
}
