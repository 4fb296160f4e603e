package eventstore_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/eventstore"
)

// BenchmarkGuardedAppend is a single-event append by 8 clients without and with a guard
// on another stream (what a command's actor check costs inside the statement), with the
// PostgreSQL server's CPU per append: on a shared machine the figure that moves least.
func BenchmarkGuardedAppend(b *testing.B) {
	for _, guarded := range []bool{false, true} {
		b.Run(fmt.Sprintf("guarded=%v", guarded), func(b *testing.B) {
			s := setup(b)
			ctx := context.Background()
			actor := uuid.New()
			appendN(b, s.store, actor, eventstore.NoStream, 1)
			var backend int
			if err := s.pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
				b.Fatal(err)
			}
			postmaster, _ := procStat(backend)
			before := serverCPU(postmaster)
			b.ResetTimer()
			parallel(b, benchClients(), func(pb *testing.PB) {
				id, rev := uuid.New(), int64(0)
				for pb.Next() {
					req := eventstore.AppendRequest{AggregateType: "user", AggregateID: id,
						Expected: eventstore.Exactly(rev), Events: []eventstore.NewEvent{benchEvent()}}
					if guarded {
						req.Guards = []eventstore.Guard{{AggregateID: actor, Revision: 1}}
					}
					if _, err := s.store.Append(ctx, req); err != nil {
						b.Error(err)
						return
					}
					rev++
				}
			})
			b.ReportMetric(float64((serverCPU(postmaster)-before).Microseconds())/float64(b.N), "pg_cpu_µs/op")
		})
	}
}

// serverCPU sums utime+stime of the postmaster and its children.
func serverCPU(postmaster int) time.Duration {
	entries, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, cpu := procStat(pid); ppid == postmaster || pid == postmaster {
			sum += cpu
		}
	}
	return sum
}

// procStat returns the parent pid and utime+stime of pid (clock ticks of 10 ms).
func procStat(pid int) (int, time.Duration) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, 0
	}
	ppid, _ := strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ppid, time.Duration(ut+st) * 10 * time.Millisecond
}

// benchClients is RECALL_BENCH_CLIENTS, default 8.
func benchClients() int {
	if n, err := strconv.Atoi(os.Getenv("RECALL_BENCH_CLIENTS")); err == nil && n > 0 {
		return n
	}
	return 8
}
