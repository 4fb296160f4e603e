package projection_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
)

type benchBundle struct {
	*stacktest.Stack
	url     string
	pool    *pgxpool.Pool
	metrics *projection.Metrics
	cfg     projection.Config
}

func setupB(b *testing.B) *benchBundle {
	ctx := context.Background()
	url := pgtest.Database(b)
	if err := pgmigrate.Up(ctx, url, readmodel.Migrations); err != nil {
		b.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	st := stacktest.Start(b, stacktest.Options{Partitions: 12})
	if err := readmodel.SetupUsers(ctx, pool, 1); err != nil {
		b.Fatal(err)
	}
	h, _ := users.New(pool, 1, nil)
	if err := projection.EnsureTopics(ctx, st.Client(b), "bench.dlq"); err != nil {
		b.Fatal(err)
	}
	m := projection.NewMetrics(prometheus.NewRegistry())
	return &benchBundle{Stack: st, url: url, pool: pool, metrics: m, cfg: projection.Config{
		Topic: stacktest.Topic, DLQTopic: "bench.dlq", Brokers: st.Brokers(),
		Decoder: schemas.NewDecoder(st.SR), Handler: h, Pool: pool, Metrics: m,
	}}
}

// runB runs cfg until done and returns when the group was joined (the
// replay's start: joining a classic group takes kfake up to seconds, which is
// not replay speed).
func runB(b *testing.B, cfg projection.Config, done func() bool) time.Time {
	r, err := projection.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	var joined time.Time
	for !done() {
		if joined.IsZero() && r.Ready() {
			joined = time.Now()
		}
		time.Sleep(time.Millisecond)
	}
	if joined.IsZero() {
		joined = time.Now()
	}
	cancel()
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	return joined
}
