package projection_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
)

func TestRecordsToReadModel(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	cfg := b.usersConfig(t, 1)
	ada, bob := stacktest.NewID(), stacktest.NewID()
	b.send(t, 0,
		stacktest.Created(ada, "ada", "ada@example.com", "Ada", "King", "user"),
		stacktest.Updated(ada, 2, stacktest.Ptr("Augusta"), nil, stacktest.Ptr("ada@king.example")),
		stacktest.RoleChanged(ada, 3, "admin", "user"),
		stacktest.PasswordChanged(ada, 4),
	)
	b.send(t, 1,
		stacktest.CreatedV1(bob, "bob", "bob@example.com", "Bob Ross Jr", "user"),
		stacktest.Deleted(bob, 2, "bob", "bob@example.com"),
	)
	start(t, cfg)
	store := readmodel.New(b.pool)
	defer store.Close()
	ctx := context.Background()
	u, err := store.WaitForRevision(ctx, ada, 4)
	if err != nil {
		t.Fatal(err)
	}
	if u.FirstName != "Augusta" || u.LastName != "King" || u.Email != "ada@king.example" || u.Role != "admin" || u.Status != "active" || u.Username != "ada" {
		t.Errorf("ada = %+v", u)
	}
	if !u.UpdatedAt.After(u.CreatedAt) && !u.UpdatedAt.Equal(u.CreatedAt) {
		t.Errorf("updated_at %v before created_at %v", u.UpdatedAt, u.CreatedAt)
	}
	v, err := store.WaitForRevision(ctx, bob, 2)
	if err != nil {
		t.Fatal(err)
	}
	// v1 UserCreated upcast: split at the first space.
	if v.FirstName != "Bob" || v.LastName != "Ross Jr" || v.Status != "deleted" || v.DeletedAt == nil {
		t.Errorf("bob = %+v", v)
	}
	eventually(t, 5*time.Second, "applied metric", func() bool {
		return testutil.ToFloat64(b.metrics.Applied.WithLabelValues("users.v1")) == 6
	})
	// Every applied event is one observation of the projector's hop.
	if n := histogramCount(t, b.metrics.Hops.WithLabelValues(projection.HopKafkaToApply)); n != 6 {
		t.Errorf("recall_hop_seconds{hop=kafka_to_apply} count %d, want 6", n)
	}
	// The consumer's franz-go client reports on the same registry, one
	// client label per group.
	for _, name := range []string{"connects_total", "fetch_bytes_total", "request_duration_e2e_seconds"} {
		name = projection.KafkaNamespace + "_" + name
		if n, err := testutil.GatherAndCount(b.reg, name); err != nil || n == 0 {
			t.Errorf("%s: %d series, %v", name, n, err)
		}
	}
}

func TestRedeliveryChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	cfg := b.usersConfig(t, 1)
	id := stacktest.NewID()
	evs := []schemas.Event{
		stacktest.Created(id, "cy", "cy@example.com", "Cy", "Young", "user"),
		stacktest.Updated(id, 2, stacktest.Ptr("Cyrus"), nil, nil),
	}
	b.send(t, 0, evs...)
	start(t, cfg)
	eventually(t, 10*time.Second, "revision 2", func() bool { return b.revision(t, "users_v1", id) == 2 })
	before := b.snapshot(t, "users_v1")

	// The relay redelivers after a crash: the same records again, then a new one.
	b.send(t, 0, evs...)
	b.send(t, 0, stacktest.RoleChanged(id, 3, "admin", "user"))
	eventually(t, 10*time.Second, "revision 3", func() bool { return b.revision(t, "users_v1", id) == 3 })
	eventually(t, 5*time.Second, "skips counted", func() bool {
		return testutil.ToFloat64(b.metrics.Skipped.WithLabelValues("users.v1")) == 2
	})
	after := b.snapshot(t, "users_v1")
	if len(after) != 1 || len(before) != 1 {
		t.Fatalf("rows before %v after %v", before, after)
	}
	var first string
	if err := b.pool.QueryRow(context.Background(), `SELECT first_name FROM users_v1 WHERE id = $1`, id).Scan(&first); err != nil || first != "Cyrus" {
		t.Fatalf("first_name = %q, %v", first, err)
	}
}

func TestGapPausesAndRecovers(t *testing.T) {
	t.Parallel()
	b := setup(t, 2)
	cfg := b.usersConfig(t, 1)
	id, other := stacktest.NewID(), stacktest.NewID()
	// Revision 2 is missing from partition 0: revision 3 must wait for it.
	b.send(t, 0,
		stacktest.Created(id, "dee", "dee@example.com", "Dee", "Dee", "user"),
		stacktest.RoleChanged(id, 3, "admin", "user"),
		stacktest.Created(other, "eve", "eve@example.com", "Eve", "Eve", "user"),
	)
	start(t, cfg)
	eventually(t, 10*time.Second, "gap metric", func() bool {
		return testutil.ToFloat64(b.metrics.Gaps.WithLabelValues("users.v1")) >= 2
	})
	if rev := b.revision(t, "users_v1", id); rev != 1 {
		t.Fatalf("revision = %d during the gap, want 1", rev)
	}
	if rev := b.revision(t, "users_v1", other); rev != 0 {
		t.Fatalf("a record after the gap was applied (revision %d): the partition must stop", rev)
	}
	// The missing revision arrives (e.g. on another partition after a
	// repartitioning); the paused partition recovers on its next retry.
	b.send(t, 1, stacktest.Updated(id, 2, stacktest.Ptr("Dora"), nil, nil))
	eventually(t, 10*time.Second, "gap closed", func() bool {
		return b.revision(t, "users_v1", id) == 3 && b.revision(t, "users_v1", other) == 1
	})
	if n := testutil.ToFloat64(b.metrics.DeadLetters.WithLabelValues("users.v1")); n != 0 {
		t.Errorf("dead letters = %v: a gap must never be skipped", n)
	}
}

func TestPoisonGoesToDLQ(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	cfg := b.usersConfig(t, 1)
	ok1, ok2, bad := stacktest.NewID(), stacktest.NewID(), stacktest.NewID()
	b.send(t, 0, stacktest.Created(ok1, "fay", "fay@example.com", "Fay", "F", "user"))
	junk := &kgo.Record{Topic: stacktest.Topic, Partition: 0, Key: []byte(bad), Value: []byte("not avro at all"),
		Headers: []kgo.RecordHeader{{Key: "ce_id", Value: []byte("x")}, {Key: "recall_revision", Value: []byte("1")}}}
	b.Produce(t, b.prod, junk)
	b.send(t, 0, stacktest.Created(ok2, "gus", "gus@example.com", "Gus", "G", "user"))
	start(t, cfg)
	eventually(t, 10*time.Second, "records after the poison", func() bool { return b.revision(t, "users_v1", ok2) == 1 })

	dlq := b.Client(t, kgo.ConsumeTopics(cfg.DLQTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fs := dlq.PollFetches(ctx)
	if err := fs.Err(); err != nil {
		t.Fatal(err)
	}
	recs := fs.Records()
	if len(recs) != 1 {
		t.Fatalf("DLQ holds %d records, want 1", len(recs))
	}
	r := recs[0]
	if string(r.Value) != "not avro at all" || string(r.Key) != bad {
		t.Errorf("DLQ record key/value changed: %q %q", r.Key, r.Value)
	}
	h := map[string]string{}
	for _, x := range r.Headers {
		h[x.Key] = string(x.Value)
	}
	want := map[string]string{projection.HeaderDLQTopic: stacktest.Topic, projection.HeaderDLQPartition: "0",
		projection.HeaderDLQOffset: "1", projection.HeaderDLQProjection: "users.v1", projection.HeaderDLQGroup: cfg.Group, "ce_id": "x"}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("header %s = %q, want %q", k, h[k], v)
		}
	}
	if h[projection.HeaderDLQError] == "" {
		t.Error("no error header")
	}
	var n int
	if err := b.pool.QueryRow(ctx, `SELECT count(*) FROM projector_dead_letters WHERE projection = 'users.v1' AND aggregate_id = $1`, bad).Scan(&n); err != nil || n != 1 {
		t.Errorf("projector_dead_letters rows = %d, %v", n, err)
	}
}

func TestDeadLetteredAggregateDoesNotStopPartition(t *testing.T) {
	t.Parallel()
	b := setup(t, 1)
	cfg := b.usersConfig(t, 1)
	id, later := stacktest.NewID(), stacktest.NewID()
	// Revision 2 carries an event type the projection does not know: poison.
	// Revision 3 of the same user can then never apply; it follows to the DLQ
	// instead of stopping the partition for everyone.
	b.send(t, 0,
		stacktest.Created(id, "hal", "hal@example.com", "Hal", "H", "user"),
		stacktest.Event(id, 2, "UserCreated", map[string]string{"username": "hal", "email": "x@example.com", "first_name": "H", "last_name": "H", "role": "user"}),
		stacktest.RoleChanged(id, 3, "admin", "user"),
		stacktest.Created(later, "ida", "ida@example.com", "Ida", "I", "user"),
	)
	start(t, cfg)
	eventually(t, 10*time.Second, "later user", func() bool { return b.revision(t, "users_v1", later) == 1 })
	if n := testutil.ToFloat64(b.metrics.DeadLetters.WithLabelValues("users.v1")); n != 2 {
		t.Errorf("dead letters = %v, want 2", n)
	}
	if rev := b.revision(t, "users_v1", id); rev != 1 {
		t.Errorf("revision = %d, want 1", rev)
	}
}

// histogramCount is the sample count of one histogram series.
func histogramCount(t *testing.T, o prometheus.Observer) uint64 {
	t.Helper()
	var m dto.Metric
	if err := o.(prometheus.Metric).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}
