package relay_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/relay"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/schemas"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

const topic = "recall.user.events"

// env is one test's private world: a migrated database, a broker and a registry.
type env struct {
	t        testing.TB
	url      string
	pool     *pgxpool.Pool
	store    *eventstore.Store
	kafka    *devstack.Kafka
	kafkaDir string
	registry *devstack.Registry
	slot     string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, url: pgtest.Database(t)}
	if err := pgmigrate.Up(ctx, e.url, eventstore.Migrations); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, e.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e.pool, e.store = pool, eventstore.New(pool)
	// Slots are cluster-wide; the database name is unique per test.
	e.slot = "relay_" + strings.TrimPrefix(pool.Config().ConnConfig.Database, "t")
	e.slot = e.slot[:min(len(e.slot), 60)]
	e.kafkaDir = t.TempDir()
	e.startKafka("127.0.0.1:0")
	if e.registry, err = devstack.StartRegistry(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.registry.Close)
	t.Cleanup(func() { e.dropSlot() })
	return e
}

func (e *env) startKafka(addr string) {
	k, err := devstack.StartKafka(context.Background(), devstack.KafkaOptions{Addr: addr, DataDir: e.kafkaDir})
	if err != nil {
		e.t.Fatal(err)
	}
	e.kafka = k
	e.t.Cleanup(k.Close)
}

// dropSlot frees the slot's WAL once the test is done (slots outlive databases' users).
func (e *env) dropSlot() {
	ctx := context.Background()
	for range 50 {
		_, err := e.pool.Exec(ctx, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", e.slot)
		if err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *env) config() relay.Config {
	c := relay.DefaultConfig()
	c.DatabaseURL = e.url
	c.KafkaBrokers = e.kafka.Addrs()
	c.SchemaRegistryURL = e.registry.URL()
	c.Slot = e.slot
	c.Listen = ""
	c.Partitions = 4
	c.RetryMax = 500 * time.Millisecond
	c.StatusInterval = 200 * time.Millisecond
	c.Logger = slog.New(slog.NewJSONHandler(testWriter{e.t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	c.Registry = prometheus.NewRegistry()
	return c
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// running is a relay run in-process.
type running struct {
	once   sync.Once
	cancel context.CancelFunc
	done   chan error
	cfg    relay.Config
}

func (e *env) startRelay(cfg relay.Config) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1), cfg: cfg}
	go func() { r.done <- relay.Run(ctx, cfg) }()
	e.t.Cleanup(func() { r.stop(e.t) })
	return r
}

func (r *running) stop(t testing.TB) {
	r.once.Do(func() {
		r.cancel()
		select {
		case err := <-r.done:
			if err != nil {
				t.Errorf("relay.Run: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("relay did not stop within 60s")
		}
	})
}

// waitStreaming waits until the relay has its checkpoint: the initial snapshot is done.
func (e *env) waitStreaming() {
	e.t.Helper()
	waitFor(e.t, 60*time.Second, "the relay to stream", func() bool { return e.checkpoint() != "" })
}

// appendUsers appends n single-event commands to each of users streams, from workers
// goroutines, and returns the streams' ids.
func (e *env) appendUsers(users, n, workers int) []uuid.UUID {
	e.t.Helper()
	ids := make([]uuid.UUID, users)
	for i := range ids {
		ids[i] = uuid.Must(uuid.NewV7())
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < users; i += workers {
				if err := e.appendStream(ids[i], n); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
	return ids
}

func (e *env) appendStream(id uuid.UUID, n int) error {
	ctx := context.Background()
	for rev := range n {
		ev := roleChanged()
		if rev == 0 {
			ev = userCreated(id)
		}
		_, err := e.store.Append(ctx, eventstore.AppendRequest{
			AggregateType: "user", AggregateID: id, Expected: eventstore.Exactly(int64(rev)),
			Events: []eventstore.NewEvent{ev},
		})
		if err != nil {
			return fmt.Errorf("append %s rev %d: %w", id, rev+1, err)
		}
	}
	return nil
}

func userCreated(id uuid.UUID) eventstore.NewEvent {
	return eventstore.NewEvent{
		EventType: "UserCreated", SchemaVersion: 2,
		Data: []byte(fmt.Sprintf(`{"username":"u%s","email":"%s@example.com","first_name":"Ada","last_name":"Lovelace","role":"user"}`, id.String()[:8], id)),
		Metadata: eventstore.Metadata{ActorID: "admin-1", ActorRole: "admin", RequestID: "req-1",
			Traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
	}
}

func roleChanged() eventstore.NewEvent {
	return eventstore.NewEvent{
		EventType: "RoleChanged", SchemaVersion: 1, Data: []byte(`{"role":"admin","previous_role":"user"}`),
		Metadata: eventstore.Metadata{ActorID: "admin-1", ActorRole: "admin", Reason: "promotion"},
	}
}

// bulkInsert writes n events (streams of perStream revisions) in transactions of
// perTx events straight into the table, as a fast backlog. It returns the WAL position
// after the last commit.
func (e *env) bulkInsert(n, perStream, perTx int) {
	e.t.Helper()
	ctx := context.Background()
	seed := uuid.NewString()
	for start := 0; start < n; start += perTx {
		end := min(start+perTx, n)
		_, err := e.pool.Exec(ctx, `
			INSERT INTO events (event_id, aggregate_type, aggregate_id, revision, event_type, schema_version, data, metadata)
			SELECT gen_random_uuid(), 'user', md5($1 || (i / $2)::text)::uuid, i % $2 + 1, 'UserUpdated', 1,
			       '{"first_name":"Ada","last_name":"Lovelace","email":"ada.lovelace@example.com"}',
			       json_build_object('actor_id', 'c2f1b0a4-7d1e-4b8e-9a51-3f7a2a0c9e11', 'actor_role', 'admin',
			                         'reason', 'bulk profile correction', 'correlation_id', gen_random_uuid(),
			                         'request_id', gen_random_uuid())
			FROM generate_series($3::bigint, $4::bigint - 1) AS i`, seed, perStream, start, end)
		if err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) eventCount() int {
	var n int
	if err := e.pool.QueryRow(context.Background(), "SELECT count(*) FROM events").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// consumed is what a consumer read from the topic.
type consumed struct {
	records []*kgo.Record
	byID    map[string]int // ce_id → copies
}

// consume reads the topic from the start until it holds want distinct ce_ids (or the
// timeout passes) and returns every record read, duplicates included.
func (e *env) consume(want int, timeout time.Duration) consumed {
	e.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka.Addrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		e.t.Fatal(err)
	}
	defer cl.Close()
	c := consumed{byID: map[string]int{}}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for len(c.byID) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			e.t.Fatalf("consumed %d distinct events of %d within %v", len(c.byID), want, timeout)
		}
		fs.EachError(func(t string, p int32, err error) { e.t.Logf("fetch %s/%d: %v", t, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			c.records = append(c.records, r)
			c.byID[string(record.Header(r, record.HeaderID))]++
		})
	}
	return c
}

func (c consumed) duplicates() int { return len(c.records) - len(c.byID) }

// checkOrder checks that, per aggregate, the first copy of each revision arrives in
// order 1..n with no gap, and returns the number of streams.
func (c consumed) checkOrder(t testing.TB) map[string]int64 {
	t.Helper()
	last := map[string]int64{}
	for _, r := range c.records {
		key := string(r.Key)
		var rev int64
		fmt.Sscan(string(record.Header(r, record.HeaderRevision)), &rev)
		switch {
		case rev == last[key]+1:
			last[key] = rev
		case rev <= last[key]: // a duplicate from a redelivered tail
		default:
			t.Fatalf("aggregate %s: revision %d after %d", key, rev, last[key])
		}
	}
	return last
}

func (e *env) decoder() *schemas.Decoder {
	cl, err := sr.NewClient(sr.URLs(e.registry.URL()))
	if err != nil {
		e.t.Fatal(err)
	}
	return schemas.NewDecoder(cl)
}

func (e *env) slotLag() int64 {
	var lag int64
	err := e.pool.QueryRow(context.Background(), `SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint
		FROM pg_replication_slots WHERE slot_name = $1`, e.slot).Scan(&lag)
	if err != nil {
		e.t.Fatal(err)
	}
	return lag
}

func (e *env) checkpoint() string {
	var lsn string
	err := e.pool.QueryRow(context.Background(), "SELECT lsn::text FROM relay_checkpoints WHERE slot_name = $1", e.slot).Scan(&lsn)
	if err != nil && err != pgx.ErrNoRows && !strings.Contains(err.Error(), "42P01") {
		e.t.Fatal(err) // 42P01: the relay has not migrated yet
	}
	return lsn
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var _ = io.Discard

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

func appendReq(id uuid.UUID, rev int64, ev eventstore.NewEvent) eventstore.AppendRequest {
	return eventstore.AppendRequest{AggregateType: "user", AggregateID: id, Expected: eventstore.Exactly(rev),
		Events: []eventstore.NewEvent{ev}}
}
