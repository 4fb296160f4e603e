package projector_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
)

// integrityRig is the users projection (version 1) on kfake and a fresh database,
// verifying signatures with verifier when it is not nil.
type integrityRig struct {
	st      *stacktest.Stack
	pool    *pgxpool.Pool
	metrics *projection.Metrics
	cl      *kgo.Client
}

func startIntegrityRig(t *testing.T, verifier projection.Verifier) *integrityRig {
	t.Helper()
	ctx := context.Background()
	st := stacktest.Start(t, stacktest.Options{Partitions: 1})
	url := pgtest.Database(t)
	if err := pgmigrate.Up(ctx, url, readmodel.Migrations); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := readmodel.SetupUsers(ctx, pool, 1); err != nil {
		t.Fatal(err)
	}
	h, _ := users.New(pool, 1, nil)
	cl := st.Client(t)
	if err := projection.EnsureTopics(ctx, cl, "users.dlq"); err != nil {
		t.Fatal(err)
	}
	m := projection.NewMetrics(prometheus.NewRegistry())
	r, err := projection.New(projection.Config{Name: "users.v1", Group: "integrity", Topic: stacktest.Topic, DLQTopic: "users.dlq",
		Brokers: st.Brokers(), Decoder: schemas.NewDecoder(st.SR), Verifier: verifier, Handler: h, Pool: pool, Metrics: m,
		Backoff: projection.Backoff{Base: 20 * time.Millisecond, Max: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stacktest.Run(t, r))
	return &integrityRig{st: st, pool: pool, metrics: m, cl: cl}
}

// row is the user's read-model row: role, revision, last event id.
func (g *integrityRig) row(t *testing.T, id string) (role string, revision int64, eventID string) {
	t.Helper()
	err := g.pool.QueryRow(context.Background(),
		`SELECT role, revision, coalesce(last_event_id, '') FROM users_v1 WHERE id = $1`, id).Scan(&role, &revision, &eventID)
	if err != nil {
		return "", 0, ""
	}
	return role, revision, eventID
}

// history is a user at revision 3, and its real revision 4.
func history(id string) (first3 []schemas.Event, real4 schemas.Event) {
	first3 = []schemas.Event{
		stacktest.Created(id, "mallory", "mallory@example.com", "Mal", "Lory", "user"),
		stacktest.Updated(id, 2, stacktest.Ptr("Mallory"), nil, nil),
		stacktest.PasswordChanged(id, 3),
	}
	return first3, stacktest.Updated(id, 4, nil, stacktest.Ptr("Lory-Real"), nil)
}

// Issue 12, Medium 3 (as the review did it): a RoleChanged at revision 4 produced straight
// to the topic, unsigned or signed with a key the projector does not hold, goes to the
// DLQ unapplied; the user's real revision 4 then applies.
func TestForgedRecordIsDeadLetteredNotApplied(t *testing.T) {
	key := bytes.Repeat([]byte{0x42}, 32)
	ring, err := schemas.NewKeyring("k1", map[string][]byte{"k1": key})
	if err != nil {
		t.Fatal(err)
	}
	g := startIntegrityRig(t, ring)
	sign := func(rec *kgo.Record, by *schemas.Keyring) *kgo.Record {
		headers := make([]schemas.Header, len(rec.Headers))
		for i, h := range rec.Headers {
			headers[i] = schemas.Header{Key: h.Key, Value: h.Value}
		}
		sig, err := by.Sign(rec.Key, rec.Value, headers)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range sig {
			rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
		return rec
	}
	attacker, _ := schemas.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{0x13}, 32)})

	id := stacktest.NewID()
	first3, real4 := history(id)
	for _, e := range first3 {
		g.st.Produce(t, g.cl, sign(g.st.Record(t, e), ring))
	}
	eventually(t, 30*time.Second, "revision 3 applied", func() bool { _, rev, _ := g.row(t, id); return rev == 3 })

	forged := stacktest.RoleChanged(id, 4, "admin", "user")
	g.st.Produce(t, g.cl, g.st.Record(t, forged))                 // unsigned
	g.st.Produce(t, g.cl, sign(g.st.Record(t, forged), attacker)) // signed with the wrong key
	g.st.Produce(t, g.cl, sign(g.st.Record(t, real4), ring))
	eventually(t, 30*time.Second, "real revision 4 applied", func() bool { _, rev, _ := g.row(t, id); return rev == 4 })

	role, _, eventID := g.row(t, id)
	if role != "user" || eventID != real4.EventID {
		t.Fatalf("read model: role %q, last event %s; want user, %s (the real revision 4)", role, eventID, real4.EventID)
	}
	if n := count(t, g.pool, `SELECT count(*) FROM projector_dead_letters`); n != 2 {
		t.Fatalf("%d dead letters, want the 2 forged records", n)
	}
	// Filed as what they are, so `replayer dlq retry` never applies them.
	if n := count(t, g.pool, `SELECT count(*) FROM projector_dead_letters WHERE error_kind = 'signature'`); n != 2 {
		t.Fatalf("%d of the forged records' dead letters are of kind signature, want 2", n)
	}
	if n := testutil.ToFloat64(g.metrics.BadSignatures.WithLabelValues("users.v1")); n != 2 {
		t.Fatalf("bad signatures = %v, want 2", n)
	}
}

// Issue 12, Medium 3: without a key, a forged revision 4 applies; the real revision 4
// then is an integrity alarm (metric, partition paused), never skipped as a duplicate.
func TestSameRevisionOtherEventIsAnIntegrityAlarm(t *testing.T) {
	g := startIntegrityRig(t, nil)
	id := stacktest.NewID()
	first3, real4 := history(id)
	forged := stacktest.RoleChanged(id, 4, "admin", "user")
	for _, e := range append(first3, forged) {
		g.st.Produce(t, g.cl, g.st.Record(t, e))
	}
	eventually(t, 30*time.Second, "forged revision 4 applied", func() bool { _, rev, _ := g.row(t, id); return rev == 4 })
	g.st.Produce(t, g.cl, g.st.Record(t, forged)) // a redelivery of what was applied: skipped, no alarm
	g.st.Produce(t, g.cl, g.st.Record(t, real4), g.st.Record(t, stacktest.PasswordChanged(id, 5)))

	alarms := g.metrics.IntegrityAlarms.WithLabelValues("users.v1")
	eventually(t, 30*time.Second, "integrity alarm", func() bool { return testutil.ToFloat64(alarms) >= 2 }) // retried, not skipped
	paused := g.metrics.Paused.WithLabelValues("users.v1", stacktest.Topic, "0")
	eventually(t, 5*time.Second, "partition paused", func() bool { return testutil.ToFloat64(paused) == 1 })
	if _, rev, eventID := g.row(t, id); rev != 4 || eventID != forged.EventID {
		t.Fatalf("row at revision %d (event %s): the partition must stop at the alarm", rev, eventID)
	}
	if n := testutil.ToFloat64(g.metrics.Skipped.WithLabelValues("users.v1")); n != 1 {
		t.Fatalf("skipped = %v, want 1 (the true redelivery only)", n)
	}
	if n := count(t, g.pool, `SELECT count(*) FROM projector_dead_letters`); n != 0 {
		t.Fatalf("%d dead letters: an alarm is not dead-lettered", n)
	}
}
