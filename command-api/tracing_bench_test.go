package commandapi_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/ops/tracing"
)

// BenchmarkUpdateUserTracing measures UpdateUser commands/s over HTTP (32 clients) with
// tracing off (the default: the no-op provider) and with every request sampled (the SDK
// with a batching exporter that discards: recording, not the network, is measured), two
// APIs on two databases of one cluster (and a control: a second API with tracing off). The modes alternate, round after round, so a
// drift of the machine (shared cores) falls on both: compare the medians per mode.
//
//	go test -run '^$' -bench BenchmarkUpdateUserTracing -benchtime 2000x .
//	RECALL_BENCH_ROUNDS=7 go test ...  (default 5)
func BenchmarkUpdateUserTracing(b *testing.B) {
	const users = 2000
	ctx := context.Background()
	sampled := tracing.NewWithExporter(tracetest.NewNoopExporter(), 1, "command-api")
	defer sampled.Shutdown(ctx)
	modes := []struct {
		name string
		api  *api
	}{
		{"off", start(b, "", func(c *commandapi.Config) { c.LogOutput = io.Discard })},
		{"sampled_100pct", start(b, "", func(c *commandapi.Config) { c.LogOutput = io.Discard; c.TracerProvider = sampled })},
		// A second API with tracing off, on a third database: the spread between two
		// identical setups, against which the difference of the sampled one is read.
		{"off_control", start(b, "", func(c *commandapi.Config) { c.LogOutput = io.Discard })},
	}
	parallelism := (benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)
	ids := make([][]uuid.UUID, len(modes))
	for i, m := range modes {
		pool, err := pgxpool.New(ctx, m.api.dbURL)
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = seedUsers(b, eventstore.New(pool), users)
		pool.Close()
	}
	rounds := 5
	if n, err := strconv.Atoi(os.Getenv("RECALL_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	for round := range rounds * len(modes) {
		m, ids := modes[round%len(modes)], ids[round%len(modes)]
		b.Run(m.name, func(b *testing.B) {
			b.SetParallelism(parallelism)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := ids[rand.N(len(ids))]
					r, err := m.api.try("PATCH", "/v1/users/"+id.String(), m.api.admin,
						map[string]string{"first_name": fmt.Sprintf("N%07d", rand.N(10_000_000))}, nil)
					if err != nil || r.Status != 200 {
						b.Errorf("PATCH: %v %d %s", err, r.Status, r.Body)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cmds/s")
		})
	}
}
