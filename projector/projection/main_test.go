package projection_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
	"github.com/recall-events/recall/schemas"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// bundle is one test's database, broker, registry and metrics.
type bundle struct {
	*stacktest.Stack
	url     string
	pool    *pgxpool.Pool
	reg     *prometheus.Registry
	metrics *projection.Metrics
	decoder *schemas.Decoder
	prod    *kgo.Client
}

func setup(t *testing.T, partitions int32) *bundle {
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
	st := stacktest.Start(t, stacktest.Options{Partitions: partitions})
	reg := prometheus.NewRegistry()
	b := &bundle{Stack: st, url: url, pool: pool, reg: reg, metrics: projection.NewMetrics(reg),
		decoder: schemas.NewDecoder(st.SR)}
	b.prod = st.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	return b
}

// users sets up users version v and returns its runner config.
func (b *bundle) usersConfig(t *testing.T, v int) projection.Config {
	t.Helper()
	ctx := context.Background()
	if err := readmodel.SetupUsers(ctx, b.pool, v); err != nil {
		t.Fatal(err)
	}
	vv := versions.For(users.Name, v, stacktest.Topic, readmodel.UsersTable(v))
	if err := versions.Ensure(ctx, b.pool, vv); err != nil {
		t.Fatal(err)
	}
	h, err := users.New(b.pool, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := b.Client(t)
	if err := projection.EnsureTopics(ctx, admin, vv.DLQTopic); err != nil {
		t.Fatal(err)
	}
	return projection.Config{
		Name: "users.v1", Group: vv.ConsumerGroup, Topic: stacktest.Topic, DLQTopic: vv.DLQTopic,
		Brokers: b.Brokers(), Decoder: b.decoder, Handler: h, Pool: b.pool, Metrics: b.metrics,
		MaxAttempts: 3, Backoff: projection.Backoff{Base: 20 * time.Millisecond, Max: 200 * time.Millisecond},
	}
}

// start runs a Runner until the test ends or stop is called; stop waits.
func start(t *testing.T, cfg projection.Config) (r *projection.Runner, stop func()) {
	t.Helper()
	r, err := projection.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r, stacktest.Run(t, r)
}

// send produces events to partition p (records keep the contract's key).
func (b *bundle) send(t *testing.T, p int32, evs ...schemas.Event) []*kgo.Record {
	t.Helper()
	recs := make([]*kgo.Record, len(evs))
	for i, e := range evs {
		recs[i] = b.Record(t, e)
		recs[i].Partition = p
	}
	b.Produce(t, b.prod, recs...)
	return recs
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *bundle) revision(t *testing.T, table, id string) int64 {
	t.Helper()
	var rev int64
	err := b.pool.QueryRow(context.Background(), `SELECT coalesce((SELECT revision FROM `+table+` WHERE id = $1), 0)`, id).Scan(&rev)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// snapshot returns every row of table as comparable strings, by id.
func (b *bundle) snapshot(t *testing.T, table string) []string {
	t.Helper()
	return stacktest.Rows(t, b.pool, table)
}
