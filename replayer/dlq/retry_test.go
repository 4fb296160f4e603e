package dlq_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/replayer/dlq"
	"github.com/recall-events/recall/schemas"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

type rig struct {
	pool *pgxpool.Pool
	reg  schemas.Registered
	w    *dlq.Works
}

// setup is a read-model database with users_v1 and a registry with Recall's schemas.
func setup(t *testing.T) rig {
	t.Helper()
	ctx := context.Background()
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
	r, err := devstack.StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	cl, err := sr.NewClient(sr.URLs(r.URL()))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := schemas.Register(ctx, cl, "recall.user.events")
	if err != nil {
		t.Fatal(err)
	}
	return rig{pool: pool, reg: reg, w: dlq.New(pool, schemas.NewDecoder(cl))}
}

// letter files e (plaintext versions) as a dead letter of users.v1 with kind, its record
// keyed by key.
func (g rig) letter(t *testing.T, e schemas.Event, key, kind string) {
	t.Helper()
	value, err := g.reg.AppendValue(nil, e)
	if err != nil {
		t.Fatal(err)
	}
	if err := readmodel.InsertDeadLetter(context.Background(), g.pool, readmodel.DeadLetter{
		Projection: "users.v1", Topic: "recall.user.events", Offset: e.GlobalPosition, AggregateID: e.AggregateID, Revision: e.Revision,
		Error: "test: " + kind, Kind: kind, Attempts: 1, Key: []byte(key), Value: value,
	}); err != nil {
		t.Fatal(err)
	}
}

var position atomic.Int64

func event(id string, revision int64, eventType string, version int, data any) schemas.Event {
	d, _ := json.Marshal(data)
	return schemas.Event{EventID: uuid.NewString(), AggregateType: "user", AggregateID: id, Revision: revision,
		EventType: eventType, SchemaVersion: version, RecordedAt: time.Now().UTC().Truncate(time.Microsecond),
		GlobalPosition: position.Add(1), Data: d, Metadata: json.RawMessage(`{"actor_id":"system","actor_role":"system"}`)}
}

// A record whose signature failed may be forged by whoever can produce to the topic: a
// retry never applies it, whether named by id or swept up by --aggregate or --all (found
// by an outside review: a forged RoleChanged to admin, dead-lettered by the verifying
// projector, was applied by the routine `dlq retry --all`).
func TestRetryNeverAppliesARecordWhoseSignatureFailed(t *testing.T) {
	ctx := context.Background()
	g := setup(t)
	id := uuid.NewString()
	g.letter(t, event(id, 1, "UserCreated", 2, map[string]string{"username": "ann", "email": "ann@example.com",
		"first_name": "Ann", "last_name": "A", "role": "user"}), id, readmodel.KindApply)
	g.letter(t, event(id, 2, "RoleChanged", 1, map[string]string{"role": "admin", "previous_role": "user"}), id, readmodel.KindSignature)
	ls, err := g.w.List(ctx, readmodel.DeadLetterFilter{OpenOnly: true})
	if err != nil || len(ls.DeadLetters) != 2 {
		t.Fatalf("dead letters %+v, %v", ls.DeadLetters, err)
	}
	forged := ls.DeadLetters[1].ID
	if ls.DeadLetters[1].Kind != readmodel.KindSignature {
		forged = ls.DeadLetters[0].ID
	}

	if _, err := g.w.PlanRetry(ctx, dlq.Selection{IDs: []int64{forged}}); !errors.Is(err, dlq.ErrUnsigned) {
		t.Fatalf("retry of the unsigned letter by id: %v, want ErrUnsigned", err)
	}
	for _, sel := range []dlq.Selection{{All: true}, {AggregateID: id}} {
		plan, err := g.w.PlanRetry(ctx, sel)
		if err != nil || len(plan.Groups) != 1 || len(plan.Groups[0].IDs) != 1 || len(plan.Unsigned) != 1 || plan.Unsigned[0] != forged {
			t.Fatalf("plan for %+v: %+v, %v; want the genuine letter only and the unsigned one set apart", sel, plan, err)
		}
	}
	plan, _ := g.w.PlanRetry(ctx, dlq.Selection{All: true})
	out, err := g.w.Retry(ctx, plan, "ops")
	if err != nil || len(out) != 1 || out[0].Result != dlq.Applied {
		t.Fatalf("retry: %+v, %v", out, err)
	}
	var role string
	var revision int64
	if err := g.pool.QueryRow(ctx, `SELECT role, revision FROM users_v1 WHERE id = $1`, id).Scan(&role, &revision); err != nil ||
		role != "user" || revision != 1 {
		t.Fatalf("read model role %q at revision %d (%v): the unsigned RoleChanged was applied", role, revision, err)
	}
	ls, _ = g.w.List(ctx, readmodel.DeadLetterFilter{OpenOnly: true})
	if len(ls.DeadLetters) != 1 || ls.DeadLetters[0].ID != forged {
		t.Fatalf("open after the retry: %+v; want the unsigned letter, left for discard", ls.DeadLetters)
	}
}

// The projector refuses a record whose key is not the aggregate it claims; a retry
// refuses it too, instead of applying it to the aggregate its value names.
func TestRetryRefusesARecordKeyedForAnotherAggregate(t *testing.T) {
	ctx := context.Background()
	g := setup(t)
	id, other := uuid.NewString(), uuid.NewString()
	g.letter(t, event(id, 1, "UserCreated", 2, map[string]string{"username": "bo", "email": "bo@example.com",
		"first_name": "Bo", "last_name": "B", "role": "admin"}), other, readmodel.KindApply)
	plan, err := g.w.PlanRetry(ctx, dlq.Selection{All: true})
	if err != nil {
		t.Fatal(err)
	}
	out, err := g.w.Retry(ctx, plan, "ops")
	if err != nil || len(out) != 1 || out[0].Result != dlq.FailedAgain {
		t.Fatalf("retry of a record keyed %s for aggregate %s: %+v, %v; want it failed", other, id, out, err)
	}
	var n int
	if err := g.pool.QueryRow(ctx, `SELECT count(*) FROM users_v1`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("users_v1 has %d rows (%v); want none", n, err)
	}
}
