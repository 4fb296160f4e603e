package measure

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/recall-events/recall/bench/internal/rig"
	"github.com/recall-events/recall/devstack/procstat"
	"github.com/recall-events/recall/ops"
)

// Cost is what a run cost the machine: PostgreSQL transactions per command (from
// pg_stat_database) and the CPU of each process, in cores (CPU seconds per second of
// the run).
type Cost struct {
	Commands     int                `json:"commands"`
	Transactions int64              `json:"transactions"` // the harness's own left out
	TxPerCommand float64            `json:"tx_per_command"`
	CPU          map[string]float64 `json:"cpu_cores"`
}

// statsSettle is how long to wait before reading pg_stat_database: an idle backend
// flushes its counters up to 10 s late (PostgreSQL 15's PGSTAT_IDLE_INTERVAL).
const statsSettle = 11 * time.Second

// costMeter holds the counters at the start of a run.
type costMeter struct {
	r     *rig.Rig
	xacts int64
	cpu   map[string]time.Duration
	at    time.Time
}

// startCost waits for the statistics to settle and takes the counters.
func startCost(ctx context.Context, r *rig.Rig) (*costMeter, error) {
	if err := ops.Sleep(ctx, statsSettle); err != nil {
		return nil, err
	}
	x, err := xactCommits(ctx, r)
	if err != nil {
		return nil, err
	}
	return &costMeter{r: r, xacts: x, cpu: processCPU(ctx, r), at: time.Now()}, nil
}

// stop takes the CPU at once (the run's end) and the transactions once settled; commands
// is how many the run sent; own reports the statements the harness itself ran meanwhile
// (its read-model watch), left out of the count.
func (m *costMeter) stop(ctx context.Context, commands int, own func() int64) (Cost, error) {
	cpu, wall := processCPU(ctx, m.r), time.Since(m.at)
	c := Cost{Commands: commands, CPU: map[string]float64{}}
	for name, d := range cpu {
		c.CPU[name] = (d - m.cpu[name]).Seconds() / wall.Seconds()
	}
	if err := ops.Sleep(ctx, statsSettle); err != nil {
		return c, err
	}
	x, err := xactCommits(ctx, m.r)
	if err != nil {
		return c, err
	}
	c.Transactions = x - m.xacts - 1 // the query that took the start
	if own != nil {
		c.Transactions -= own()
	}
	if commands > 0 {
		c.TxPerCommand = float64(c.Transactions) / float64(commands)
	}
	return c, nil
}

func xactCommits(ctx context.Context, r *rig.Rig) (int64, error) {
	var n int64
	err := r.Pool.QueryRow(ctx, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("measure: pg_stat_database: %w", err)
	}
	return n, nil
}

// processCPU is the CPU time so far of each process the harness can see: this one
// (command-api, kfake, srfake and the load generator share it), the relay, the
// projector, and PostgreSQL (the postmaster and every backend, summed).
func processCPU(ctx context.Context, r *rig.Rig) map[string]time.Duration {
	out := map[string]time.Duration{"bench (command-api, kfake, load)": procstat.CPU(os.Getpid())}
	if p := r.Relay(); p != nil {
		out["relay"] = procstat.CPU(p.Pid())
	}
	if p := r.Projector(); p != nil {
		out["projector"] = procstat.CPU(p.Pid())
	}
	if pm := postmaster(ctx, r); pm > 0 {
		out["postgres"] = procstat.TreeCPU(pm)
	}
	return out
}

// postmaster is the pid of the rig's PostgreSQL server, from its postmaster.pid.
func postmaster(ctx context.Context, r *rig.Rig) int {
	var dir string
	if err := r.Pool.QueryRow(ctx, `SHOW data_directory`).Scan(&dir); err != nil {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	return pid
}
