package projection_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/devstack/procstat"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/schemas"
)

// BenchmarkReplaySealing is issue #13's replay figure: the same history replayed from
// offset zero into users_v1 twice in each iteration, once written as command-api
// writes it now (personal fields sealed, every person's data key in subject_keys, the
// projector opening them through a keyring as in production: cache on, keys prefetched
// per batch) and once in the plaintext versions of the same events, each on its own
// kfake cluster and database. The two replays of an iteration run back to back, in
// alternating order, so a machine's drift hits both; each reports events/s from group
// join, and cost_pct is how much slower the sealed one was; cpu_cost_pct is how much
// more CPU (this process and PostgreSQL) each sealed event took, the steadier figure.
// Take medians over -count.
//
//	go test -run '^$' -bench BenchmarkReplaySealing -count 5 ./projection
//
// RECALL_BENCH_EVENTS sets the events per history (default 100,000), as for
// BenchmarkReplay.
func BenchmarkReplaySealing(b *testing.B) {
	n := benchEvents(b)
	plain, sealed := setupB(b), setupB(b)
	url := sealed.url
	if err := pgmigrate.Up(context.Background(), url, subjectkeys.Migrations); err != nil {
		b.Fatal(err)
	}
	kek := stacktest.ParsedKEK(b)
	produceHistory(b, plain, n, nil)
	produceSealedHistory(b, sealed, kek, n)

	round := 0
	b.Run("pair", func(b *testing.B) {
		for range b.N {
			var rate, cpu [2]float64 // plaintext, sealed
			for j := range 2 {
				mode := (round + j) % 2
				bb := plain
				var keys *subjectkeys.Keyring
				if mode == 1 {
					bb = sealed
					// A new keyring each time: a replay starts with a cold cache, as a
					// projector does after a restart or a blue/green rebuild.
					keys = subjectkeys.New(sealed.pool, kek, subjectkeys.Options{})
				}
				rate[mode], cpu[mode] = replayOnce(b, bb, keys, n)
			}
			round++
			b.ReportMetric(rate[0], "plain_events/s")
			b.ReportMetric(rate[1], "sealed_events/s")
			b.ReportMetric(100*(1-rate[1]/rate[0]), "cost_pct")
			b.ReportMetric(cpu[0], "plain_cpu_µs/event")
			b.ReportMetric(cpu[1], "sealed_cpu_µs/event")
			b.ReportMetric(100*(cpu[1]/cpu[0]-1), "cpu_cost_pct")
		}
	})
}

// replayOnce replays bb's history into an emptied users_v1 through the users
// projection on keys, and returns events/s from group join and the CPU time per event
// (µs) of this process (the projector and the broker, inseparable) and of the PostgreSQL
// server. Events/s swings by a third between runs on a shared machine; CPU per event
// moves far less, and where the cores are the limit, as here, it is what the rate follows.
func replayOnce(b *testing.B, bb *benchBundle, keys *subjectkeys.Keyring, n int) (rate, cpuPerEvent float64) {
	ctx := context.Background()
	b.StopTimer()
	if _, err := bb.pool.Exec(ctx, `TRUNCATE users_v1`); err != nil {
		b.Fatal(err)
	}
	h, err := users.New(bb.pool, 1, keys)
	if err != nil {
		b.Fatal(err)
	}
	cfg := bb.cfg
	cfg.Handler = h
	cfg.Group = fmt.Sprintf("bench-%d", time.Now().UnixNano())
	cfg.Name = cfg.Group
	postmaster := pgtest.Postmaster(b, bb.pool)
	b.StartTimer()
	self, pg := procstat.CPU(os.Getpid()), procstat.TreeCPU(postmaster)
	joined := runB(b, cfg, func() bool {
		return testutil.ToFloat64(bb.metrics.Applied.WithLabelValues(cfg.Name)) >= float64(n)
	})
	end := time.Now()
	used := procstat.CPU(os.Getpid()) - self + procstat.TreeCPU(postmaster) - pg
	b.StopTimer()
	// Every event applied, and opened: the sealed history's names are there in plaintext.
	var sum int64
	var named int
	if err := bb.pool.QueryRow(ctx, `SELECT coalesce(sum(revision), 0), count(*) FILTER (WHERE username LIKE 'bench%') FROM users_v1`).
		Scan(&sum, &named); err != nil || sum != int64(n) || named != (n+9)/10 {
		b.Fatalf("read model holds revisions summing to %d (want %d) and %d opened names (want %d): %v", sum, n, named, (n+9)/10, err)
	}
	b.StartTimer()
	return float64(n) / end.Sub(joined).Seconds(), float64(used.Microseconds()) / float64(n)
}

// produceSealedHistory is produceHistory's history as command-api writes it today: the
// current event versions, personal fields sealed with each person's data key, the keys
// stored wrapped in subject_keys (in one transaction: the setup is not measured).
func produceSealedHistory(b *testing.B, bb *benchBundle, kek *subjectkeys.KEK, n int) {
	ctx := context.Background()
	keys := subjectkeys.New(bb.pool, kek, subjectkeys.Options{CacheTTL: -1})
	tx, err := bb.pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	dks := map[string]*schemas.DataKey{}
	produceHistory(b, bb, n, func(id string, e schemas.Event) schemas.Event {
		dk, ok := dks[id]
		if !ok {
			dk = insertKey(b, ctx, keys, tx, id)
			dks[id] = dk
		}
		e.SchemaVersion = schemas.CurrentVersion(e.EventType)
		var err error
		if e.Data, err = schemas.SealData(dk, e.AggregateType, id, e.EventType, e.SchemaVersion, e.Data); err != nil {
			b.Fatal(err)
		}
		return e
	})
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	// Statistics as autovacuum keeps them in a running system, where the keys were
	// written over months, not in one transaction a moment ago: without them PostgreSQL
	// plans each batch's key lookup as a scan of the whole table.
	if _, err := bb.pool.Exec(ctx, `ANALYZE subject_keys`); err != nil {
		b.Fatal(err)
	}
}

func insertKey(b *testing.B, ctx context.Context, keys *subjectkeys.Keyring, tx pgx.Tx, id string) *schemas.DataKey {
	k, err := subjectkeys.Generate()
	if err != nil {
		b.Fatal(err)
	}
	if err := keys.Insert(ctx, tx, uuid.MustParse(id), k); err != nil {
		b.Fatal(err)
	}
	dk, err := schemas.NewDataKey(k.ID, k.Raw)
	if err != nil {
		b.Fatal(err)
	}
	return dk
}
