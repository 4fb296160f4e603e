package harness

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/recall-events/recall/bench/internal/measure"
)

// Config is one run's sizes and choices.
type Config struct {
	Profile    string
	Only       string // letters of the measurements to run, e.g. "ace"; empty: all
	Throughput measure.ThroughputConfig
	Drain      measure.DrainConfig
	Latency    measure.LatencyConfig
	LoadReps   int
	Attach     bool // target a running Recall (RECALL_BENCH_* variables)
	// APIMaxConns is command-api's pool size (0: its default, 32).
	APIMaxConns int32
	// PoolProbe, when > 0, repeats (a) at its top concurrency with command-api's pool
	// set to it: how much of the gap to raw appends the pool size explains.
	PoolProbe int32
	Logs      io.Writer // services' output; nil discards it
}

// ForProfile returns the sizes of a profile: "small" (under two minutes) or "full" (the
// issues' sizes: 10k users, 1M-event backlog, 30 s at 1,000/s).
func ForProfile(name string) (Config, error) {
	switch name {
	case "small":
		return Config{Profile: name,
			Throughput: measure.ThroughputConfig{Users: 1_000, Clients: []int{1, 8, 32}, Duration: time.Second, Reps: 3},
			Drain:      measure.DrainConfig{Events: 50_000, PerTx: 100},
			Latency:    measure.LatencyConfig{Rate: 1_000, Duration: 6 * time.Second, Warmup: time.Second, Users: 1_000, Deadline: 15 * time.Second},
			LoadReps:   11, PoolProbe: 32}, nil
	case "full":
		return Config{Profile: name,
			Throughput: measure.ThroughputConfig{Users: 10_000, Clients: []int{1, 8, 32}, Duration: 5 * time.Second, Reps: 3},
			Drain:      measure.DrainConfig{Events: 1_000_000, PerTx: 100},
			Latency:    measure.LatencyConfig{Rate: 1_000, Duration: 31 * time.Second, Warmup: time.Second, Users: 10_000, Deadline: 30 * time.Second},
			LoadReps:   31, PoolProbe: 32}, nil
	}
	return Config{}, fmt.Errorf("harness: unknown profile %q (small or full)", name)
}

func (c Config) wants(letter string) bool { return c.Only == "" || strings.Contains(c.Only, letter) }

// sizes describes the run for the report.
func (c Config) sizes() map[string]string {
	return map[string]string{
		"(a)": fmt.Sprintf("%d users per side, clients %v, %v × %d runs, median", c.Throughput.Users, c.Throughput.Clients, c.Throughput.Duration, c.Throughput.Reps),
		"(b)": fmt.Sprintf("%d events in %d-event transactions", c.Drain.Events, c.Drain.PerTx),
		"(c)": fmt.Sprintf("%d/s for %v per run (first %v dropped) over %d users; runs: appends, commands, commands each followed by its read-your-writes GET",
			c.Latency.Rate, c.Latency.Duration, c.Latency.Warmup, c.Latency.Users),
		"(e)":              fmt.Sprintf("median of %d loads", c.LoadReps),
		"command-api pool": poolSize(c.APIMaxConns),
	}
}

func poolSize(n int32) string {
	if n == 0 {
		return "default (32)"
	}
	return fmt.Sprint(n)
}
