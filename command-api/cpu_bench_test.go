package commandapi_test

import (
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/devstack/procstat"
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
	return &cpuMeter{postmaster: pgtest.Postmaster(tb, pool)}
}

func (m *cpuMeter) start() { m.self, m.pg = procstat.CPU(os.Getpid()), procstat.TreeCPU(m.postmaster) }

// report adds go_cpu_µs/op and pg_cpu_µs/op for n operations since start.
func (m *cpuMeter) report(b *testing.B, n int) {
	self, pg := procstat.CPU(os.Getpid())-m.self, procstat.TreeCPU(m.postmaster)-m.pg
	b.ReportMetric(float64(self.Microseconds())/float64(n), "go_cpu_µs/op")
	b.ReportMetric(float64(pg.Microseconds())/float64(n), "pg_cpu_µs/op")
}
