package projection_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/schemas"
)

// BenchmarkReplay replays RECALL_BENCH_EVENTS events (default 100,000; the
// issue's figure is 1,000,000) from offset zero into users_v1: users of ten
// events each over 12 partitions, durable PostgreSQL (pgtest turns fsync back
// on under -bench). Reports events/s and the process's peak RSS, which also
// holds the in-process kfake broker and its copy of every record.
//
//	RECALL_BENCH_EVENTS=1000000 go test -run '^$' -bench BenchmarkReplay -benchtime 1x ./projection
func BenchmarkReplay(b *testing.B) {
	n := benchEvents(b)
	bb := setupB(b)
	produceHistory(b, bb, n, nil)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := bb.pool.Exec(ctx, `TRUNCATE users_v1`); err != nil {
			b.Fatal(err)
		}
		cfg := bb.cfg
		cfg.Group = fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)
		cfg.Name = cfg.Group
		b.StartTimer()
		start := time.Now()
		joined := runB(b, cfg, func() bool {
			return testutil.ToFloat64(bb.metrics.Applied.WithLabelValues(cfg.Name)) >= float64(n)
		})
		end := time.Now()
		b.ReportMetric(float64(n)/end.Sub(joined).Seconds(), "events/s")
		b.ReportMetric(float64(n)/end.Sub(start).Seconds(), "events/s_incl_join")
		b.StopTimer()
		var sum int64
		if err := bb.pool.QueryRow(ctx, `SELECT coalesce(sum(revision), 0) FROM users_v1`).Scan(&sum); err != nil || sum != int64(n) {
			b.Fatalf("read model holds revisions summing to %d, want %d (%v)", sum, n, err)
		}
		b.StartTimer()
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.ReportMetric(float64(ru.Maxrss)/1024, "peakRSS_MB")
}

// produceHistory produces a history of n events to the topic: users of ten events each,
// UserCreated then UserUpdated and RoleChanged alternating. seal, when set, turns each
// event into the form it is produced in (BenchmarkReplaySealing's sealed history).
func produceHistory(b *testing.B, bb *benchBundle, n int, seal func(id string, e schemas.Event) schemas.Event) {
	cl := bb.Client(b)
	const perUser = 10
	var recs []*kgo.Record
	flush := func() {
		if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			b.Fatal(err)
		}
		recs = recs[:0]
	}
	for u := 0; u*perUser < n; u++ {
		id := stacktest.NewID()
		name := fmt.Sprintf("bench%07d", u)
		evs := []schemas.Event{stacktest.Created(id, name, name+"@example.com", "F", "L", "user")}
		for rev := int64(2); rev <= perUser && len(evs) < n-u*perUser; rev++ {
			if rev%2 == 0 {
				evs = append(evs, stacktest.Updated(id, rev, stacktest.Ptr(fmt.Sprint("F", rev)), nil, nil))
			} else {
				evs = append(evs, stacktest.RoleChanged(id, rev, "admin", "user"))
			}
		}
		for _, e := range evs {
			if seal != nil {
				e = seal(id, e)
			}
			r, err := stacktest.BuildRecord(bb.Registered, e)
			if err != nil {
				b.Fatal(err)
			}
			recs = append(recs, r)
		}
		if len(recs) >= 20_000 {
			flush()
		}
	}
	flush()
}

// benchEvents is RECALL_BENCH_EVENTS, the events per replayed history (default 100,000).
func benchEvents(b *testing.B) int {
	s := os.Getenv("RECALL_BENCH_EVENTS")
	if s == "" {
		return 100_000
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		b.Fatal(err)
	}
	return n
}
