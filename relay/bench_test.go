package relay_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack/postgres"
	"github.com/recall-events/recall/devstack/procstat"
)

// BenchmarkDrain measures the relay (a process, as deployed) draining a backlog of
// RECALL_BENCH_EVENTS events (default 50k; the figure is 1M) written in 100-event
// transactions (RECALL_BENCH_TX_EVENTS; 1 shows the per-transaction costs, such as the
// relay_commits row) while it was down, until Kafka holds them all; then pg_recvlogical drains
// the same WAL through the same publication on a second slot, for the ratio. Run it
// alone, e.g.:
//
//	RECALL_BENCH_EVENTS=1000000 go test -run '^$' -bench Drain -benchtime 1x ./
func BenchmarkDrain(b *testing.B) {
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("RECALL_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	perTx := 100
	if v, err := strconv.Atoi(os.Getenv("RECALL_BENCH_TX_EVENTS")); err == nil && v > 0 {
		perTx = v
	}
	compression := os.Getenv("RECALL_BENCH_COMPRESSION")
	e := newEnv(b)
	ctx := context.Background()

	// A first run creates the slot and checkpoint on the empty table, then stops.
	p := e.startProcess()
	waitFor(b, 60*time.Second, "/readyz", p.ready)
	p.signal(syscall.SIGTERM)
	recvSlot := e.slot + "_recv"
	if _, err := e.pool.Exec(ctx, "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", recvSlot); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = e.pool.Exec(ctx, "SELECT pg_drop_replication_slot($1)", recvSlot) })

	e.bulkInsert(n, 100, perTx)
	var endLSN string
	if err := e.pool.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&endLSN); err != nil {
		b.Fatal(err)
	}
	adm := e.admin()

	b.ResetTimer()
	start := time.Now()
	env := []string{}
	if compression != "" {
		env = append(env, "RECALL_RELAY_COMPRESSION="+compression)
	}
	p = e.startProcess(env...)
	stopPerf := perfRecord(b, p.cmd.Process.Pid)
	waitFor(b, 30*time.Minute, "the backlog in Kafka", func() bool { return endOffsets(b, adm) >= int64(n) })
	relayTook := time.Since(start)
	relayCPU := procstat.CPU(p.cmd.Process.Pid)
	stopPerf()
	rss := p.signal(syscall.SIGTERM)

	recvTook, recvCPU := recvlogical(b, e.url, recvSlot, endLSN)
	b.StopTimer()

	relayRate := float64(n) / relayTook.Seconds()
	recvRate := float64(n) / recvTook.Seconds()
	b.ReportMetric(relayRate, "events/s")
	b.ReportMetric(recvRate, "pg_recvlogical_events/s")
	b.ReportMetric(relayRate/recvRate, "ratio")
	b.ReportMetric(float64(rss)/(1<<20), "peak_rss_MiB")
	b.ReportMetric(float64(relayCPU.Microseconds())/float64(n), "relay_cpu_µs/event")
	b.ReportMetric(float64(recvCPU.Microseconds())/float64(n), "pg_recvlogical_cpu_µs/event")
	b.Logf("%d events: relay %v (%.0f/s, peak RSS %.1f MiB, CPU %v), pg_recvlogical %v (%.0f/s, CPU %v), ratio %.2f",
		n, relayTook.Round(time.Millisecond), relayRate, float64(rss)/(1<<20), relayCPU, recvTook.Round(time.Millisecond), recvRate, recvCPU, relayRate/recvRate)
}

func (e *env) admin() *kadm.Client {
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.kafka.Addrs()...))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

func endOffsets(t testing.TB, adm *kadm.Client) int64 {
	offs, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		return 0
	}
	var sum int64
	offs.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			sum += o.Offset
		}
	})
	return sum
}

// perfRecord samples pid's stacks with perf(1) into $RECALL_BENCH_PERF while the relay
// drains, when that variable names a file (the relay has no pprof endpoint; Go's frame
// pointers give perf whole stacks). The returned func stops it.
func perfRecord(b *testing.B, pid int) func() {
	out := os.Getenv("RECALL_BENCH_PERF")
	if out == "" {
		return func() {}
	}
	cmd := exec.Command("perf", "record", "-F", "997", "-g", "-o", out, "-p", strconv.Itoa(pid))
	if err := cmd.Start(); err != nil {
		b.Logf("perf: %v", err)
		return func() {}
	}
	return func() { _ = cmd.Process.Signal(syscall.SIGINT); _ = cmd.Wait() }
}

// recvlogical drains slot up to endLSN with PostgreSQL's own client and the relay's
// plugin options, discarding the output; it returns the time taken and the client's CPU.
func recvlogical(b *testing.B, url, slot, endLSN string) (time.Duration, time.Duration) {
	bin := filepath.Join(postgres.DefaultBin, "pg_recvlogical")
	if v := os.Getenv("RECALL_PG_BIN"); v != "" {
		bin = filepath.Join(v, "pg_recvlogical")
	}
	if _, err := os.Stat(bin); err != nil {
		b.Skipf("pg_recvlogical not found: %v", err)
	}
	start := time.Now()
	cmd := exec.Command(bin, "-d", url, "--slot", slot, "--start", "--endpos", endLSN, "--no-loop",
		"-o", "proto_version=1", "-o", "publication_names=recall_events", "-f", "/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatal(fmt.Errorf("pg_recvlogical: %v\n%s", err, out))
	}
	return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}
