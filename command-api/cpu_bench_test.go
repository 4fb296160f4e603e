package commandapi_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// cpuMeter reads the CPU time of this process (command-api and the load generator,
// inseparable) and of the PostgreSQL server's processes, so a benchmark can report CPU
// per operation: on a shared machine it moves far less than operations per second.
type cpuMeter struct {
	postmaster int
	self, pg   time.Duration
}

func newCPUMeter(tb testing.TB, pool *pgxpool.Pool) *cpuMeter {
	tb.Helper()
	var backend int
	if err := pool.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		tb.Fatal(err)
	}
	ppid, _ := procCPU(backend)
	return &cpuMeter{postmaster: ppid}
}

func (m *cpuMeter) start() { m.self, m.pg = selfCPU(), serverCPU(m.postmaster) }

// report adds go_cpu_µs/op and pg_cpu_µs/op for n operations since start.
func (m *cpuMeter) report(b *testing.B, n int) {
	self, pg := selfCPU()-m.self, serverCPU(m.postmaster)-m.pg
	b.ReportMetric(float64(self.Microseconds())/float64(n), "go_cpu_µs/op")
	b.ReportMetric(float64(pg.Microseconds())/float64(n), "pg_cpu_µs/op")
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU sums utime+stime of the postmaster's children (backends, walwriter, …).
func serverCPU(postmaster int) time.Duration {
	entries, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, cpu := procCPU(pid); ppid == postmaster || pid == postmaster {
			sum += cpu
		}
	}
	return sum
}

// procCPU returns the parent pid and utime+stime of pid (clock ticks of 10 ms).
func procCPU(pid int) (int, time.Duration) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, 0
	}
	ppid, _ := strconv.Atoi(f[1])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ppid, time.Duration(ut+st) * 10 * time.Millisecond
}
