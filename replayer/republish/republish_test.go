package republish_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/relay"
	"github.com/recall-events/recall/relay/commits"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/replayer/republish"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const source = "recall.user.events"

type env struct {
	t        *testing.T
	url      string
	pool     *pgxpool.Pool
	store    *eventstore.Store
	kafka    *devstack.Kafka
	registry *devstack.Registry
}

func newEnv(t *testing.T) *env {
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
	if e.kafka, err = devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.kafka.Close)
	if e.registry, err = devstack.StartRegistry(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.registry.Close)
	return e
}

// runRelay runs the relay in-process (its topic gets 5 partitions) until stop is called.
func (e *env) runRelay() (stop func()) {
	cfg := relay.DefaultConfig()
	cfg.DatabaseURL, cfg.KafkaBrokers, cfg.SchemaRegistryURL = e.url, e.kafka.Addrs(), e.registry.URL()
	cfg.Slot = "republish_" + strings.TrimPrefix(e.pool.Config().ConnConfig.Database, "t")
	cfg.Slot = cfg.Slot[:min(len(cfg.Slot), 60)]
	cfg.Listen, cfg.Partitions, cfg.StatusInterval = "", 5, 200*time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Registry = prometheus.NewRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- relay.Run(ctx, cfg) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			e.t.Errorf("relay: %v", err)
		}
		_, _ = e.pool.Exec(context.Background(), "SELECT pg_drop_replication_slot($1)", cfg.Slot)
	}
	e.t.Cleanup(stop)
	return stop
}

func (e *env) republisher() *republish.Republisher {
	r, err := republish.New(context.Background(), republish.Config{
		DatabaseURL: e.url, Brokers: e.kafka.Addrs(), RegistryURL: e.registry.URL(), Timeout: 10 * time.Second,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(r.Close)
	return r
}

// appendUsers appends, per user, one transaction of UserCreated + RoleChanged (+ one
// more RoleChanged in a second transaction when twice).
func (e *env) appendUsers(n int, twice bool) {
	e.t.Helper()
	ctx := context.Background()
	for i := range n {
		id := uuid.Must(uuid.NewV7())
		created := eventstore.NewEvent{EventType: "UserCreated", SchemaVersion: 2,
			Data: fmt.Appendf(nil, `{"username":"u%d%s","email":"%s@example.com","first_name":"Ada","last_name":"Lovelace","role":"user"}`, i, id.String()[:8], id),
			Metadata: eventstore.Metadata{ActorID: "admin-1", ActorRole: "admin",
				Traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}
		_, err := e.store.Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: id,
			Expected: eventstore.Exactly(0), Events: []eventstore.NewEvent{created, roleChanged()}})
		if err == nil && twice {
			_, err = e.store.Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: id,
				Expected: eventstore.Exactly(2), Events: []eventstore.NewEvent{roleChanged()}})
		}
		if err != nil {
			e.t.Fatal(err)
		}
	}
}

func roleChanged() eventstore.NewEvent {
	return eventstore.NewEvent{EventType: "RoleChanged", SchemaVersion: 1, Data: []byte(`{"role":"admin","previous_role":"user"}`),
		Metadata: eventstore.Metadata{ActorID: "admin-1", ActorRole: "admin", Reason: "promotion"}}
}

func (e *env) count(query string) int64 {
	e.t.Helper()
	var n int64
	if err := e.pool.QueryRow(context.Background(), query).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// consume reads topic from the start until it holds want records, and then a little
// longer, so that extra records (repeats) would show.
func (e *env) consume(topic string, want int) []*kgo.Record {
	e.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka.Addrs()...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		e.t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	deadline := time.Now().Add(30 * time.Second)
	settle := time.Time{}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
		if len(out) >= want && settle.IsZero() {
			settle = time.Now().Add(500 * time.Millisecond)
		}
		if !settle.IsZero() && time.Now().After(settle) {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: %d records of %d within 30s", topic, len(out), want)
		}
	}
}

func byID(t *testing.T, recs []*kgo.Record) map[string]*kgo.Record {
	t.Helper()
	m := map[string]*kgo.Record{}
	for _, r := range recs {
		id := string(record.Header(r, record.HeaderID))
		if m[id] != nil {
			t.Fatalf("event %s twice", id)
		}
		m[id] = r
	}
	return m
}

// sameRecord fails unless b carries a's key, value and headers byte for byte, on the
// same partition.
func sameRecord(t *testing.T, a, b *kgo.Record) {
	t.Helper()
	id := string(record.Header(a, record.HeaderID))
	if !bytes.Equal(a.Key, b.Key) || !bytes.Equal(a.Value, b.Value) {
		t.Fatalf("event %s: key or value differs:\n%q %x\n%q %x", id, a.Key, a.Value, b.Key, b.Value)
	}
	if a.Partition != b.Partition {
		t.Fatalf("event %s: partition %d, republished to %d", id, a.Partition, b.Partition)
	}
	if len(a.Headers) != len(b.Headers) {
		t.Fatalf("event %s: headers %v, republished %v", id, a.Headers, b.Headers)
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !bytes.Equal(a.Headers[i].Value, b.Headers[i].Value) {
			t.Fatalf("event %s: header %d %s=%q, republished %s=%q", id, i, a.Headers[i].Key, a.Headers[i].Value, b.Headers[i].Key, b.Headers[i].Value)
		}
	}
}

// TestRepublishIsByteIdentical runs the relay over snapshot rows, multi-event and
// single-event transactions, then republishes everything into a new topic: a dry run
// changes nothing; a run interrupted after two batches and resumed publishes every event
// exactly once, each with the relay's key, partition, value bytes and headers. Events the
// relay has not published are refused, or stamped with the WAL position when allowed.
func TestRepublishIsByteIdentical(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.appendUsers(4, false) // before the slot: the initial snapshot publishes them
	stopRelay := e.runRelay()
	waitFor(t, "the relay's checkpoint", func() bool {
		var n int64
		err := e.pool.QueryRow(ctx, "SELECT count(*) FROM relay_checkpoints").Scan(&n)
		return err == nil && n == 1
	})
	e.appendUsers(6, true) // two-event and one-event transactions, streamed
	total := int(e.count("SELECT count(*) FROM events"))
	original := byID(t, e.consume(source, total))
	waitFor(t, "relay_commits to map every event", func() bool {
		n, _, err := commits.Unmapped(ctx, e.pool, 1, 1<<62, "")
		return err == nil && n == 0
	})
	stopRelay()

	r := e.republisher()
	target := "recall.user.events.copy"
	req := republish.Request{FromPosition: 1, ToTopic: target, Batch: 7}
	plan, err := r.Plan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Events != int64(total) || plan.Unmapped != 0 || len(plan.Topics) != 1 || !plan.Topics[0].Create || plan.Topics[0].Partitions != 5 {
		t.Fatalf("plan %+v %+v", plan, plan.Topics)
	}
	e.checkNothingChanged(target)

	// Interrupted after the second batch, then resumed.
	ictx, interrupt := context.WithCancel(ctx)
	batches := 0
	first, err := r.Execute(ictx, plan, func(p republish.Progress) {
		if batches++; batches == 2 {
			interrupt()
		}
	})
	interrupt()
	if !errors.Is(err, context.Canceled) || first.Events != 14 || first.Finished {
		t.Fatalf("interrupted run: %+v %v", first, err)
	}
	if _, err := r.Plan(ctx, req); !errors.Is(err, republish.ErrJobExists) {
		t.Fatalf("a second start of the job: %v", err)
	}
	req.Resume = true
	plan, err = r.Plan(ctx, req)
	if err != nil || plan.Start != first.Position+1 || plan.Events != int64(total)-14 {
		t.Fatalf("resume plan %+v: %v", plan, err)
	}
	rest, err := r.Execute(ctx, plan, nil)
	if err != nil || rest.Events != int64(total)-14 || rest.Total != int64(total) || !rest.Finished {
		t.Fatalf("resumed run: %+v %v", rest, err)
	}

	copied := byID(t, e.consume(target, total))
	if len(copied) != total {
		t.Fatalf("%d events republished, want %d", len(copied), total)
	}
	lsns := map[string]bool{}
	for id, a := range original {
		b := copied[id]
		if b == nil {
			t.Fatalf("event %s not republished", id)
		}
		sameRecord(t, a, b)
		lsns[string(record.Header(a, record.HeaderCommitLSN))] = true
	}
	if len(lsns) != 1+6*2 { // the snapshot, then two transactions per streamed user
		t.Fatalf("%d distinct commit LSNs, want 13", len(lsns))
	}

	t.Run("unpublished events", func(t *testing.T) {
		e.appendUsers(1, false) // the relay is stopped: never published
		req := republish.Request{FromPosition: int64(total) + 1, ToTopic: target + ".unpublished"}
		plan, err := r.Plan(ctx, req)
		if err != nil || plan.Unmapped != 2 || plan.FirstUnmapped != int64(total)+1 {
			t.Fatalf("plan %+v: %v", plan, err)
		}
		if _, err := r.Execute(ctx, plan, nil); !errors.Is(err, republish.ErrUnpublished) || !strings.Contains(err.Error(), fmt.Sprint("position ", total+1)) {
			t.Fatalf("unpublished events not refused: %v", err)
		}
		req.AllowUnpublished = true
		if plan, err = r.Plan(ctx, req); err != nil || plan.WALPosition == "" {
			t.Fatalf("plan %+v: %v", plan, err)
		}
		if _, err := r.Execute(ctx, plan, nil); err != nil {
			t.Fatal(err)
		}
		for _, rec := range e.consume(req.ToTopic, 2) {
			if got := string(record.Header(rec, record.HeaderCommitLSN)); got != plan.WALPosition {
				t.Fatalf("recall_commit_lsn %s, want the WAL position %s", got, plan.WALPosition)
			}
		}
	})
}

// checkNothingChanged: no target topic, no progress table.
func (e *env) checkNothingChanged(target string) {
	e.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka.Addrs()...))
	if err != nil {
		e.t.Fatal(err)
	}
	defer cl.Close()
	topics, err := kadm.NewClient(cl).ListTopics(context.Background(), target)
	if err != nil || topics.Has(target) {
		e.t.Fatalf("dry run created %s (%v)", target, err)
	}
	if n := e.count("SELECT count(*) FROM pg_tables WHERE tablename = 'republish_progress'"); n != 0 {
		e.t.Fatal("dry run created republish_progress")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
