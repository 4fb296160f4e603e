package measure

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/recall-events/recall/bench/internal/kafkaread"
	"github.com/recall-events/recall/bench/internal/rig"
	"github.com/recall-events/recall/bench/internal/seed"
	"github.com/recall-events/recall/devstack/postgres"
)

// DrainConfig sizes (b).
type DrainConfig struct {
	Events int // backlog size; rounded down to whole transactions
	PerTx  int // events per transaction (one stream per transaction), default 100
}

// DrainResult is (b) and the relay's half of (f).
type DrainResult struct {
	Events       int     `json:"events"`
	PerTx        int     `json:"events_per_tx"`
	RelaySeconds float64 `json:"relay_seconds"`
	RelayRate    float64 `json:"relay_events_per_s"`
	RecvSeconds  float64 `json:"pg_recvlogical_seconds"`
	RecvRate     float64 `json:"pg_recvlogical_events_per_s"`
	Ratio        float64 `json:"ratio"`
	RelayPeakRSS int64   `json:"relay_peak_rss_bytes"`
}

// Drain measures (b) the way relay's BenchmarkDrain does, on the rig: stop the relay
// (checkpoint saved), open a second slot on the same publication, write the backlog,
// start a fresh relay process and time it until Kafka holds every event; then time
// pg_recvlogical draining the same WAL from the second slot. The projector is stopped
// meanwhile so that both drains have the machine to themselves; Replay uses the backlog.
func Drain(ctx context.Context, r *rig.Rig, cfg DrainConfig) (DrainResult, error) {
	if cfg.PerTx <= 0 {
		cfg.PerTx = 100
	}
	res := DrainResult{Events: cfg.Events / cfg.PerTx * cfg.PerTx, PerTx: cfg.PerTx}
	if r.External() {
		return res, rig.ErrExternal
	}
	r.StopProjector()
	r.StopRelay()
	adm, err := kafkaread.NewAdmin(r.Brokers, r.KafkaOpts...)
	if err != nil {
		return res, err
	}
	defer adm.Close()
	slot := fmt.Sprintf("bench_recv_%d", time.Now().UnixNano())
	if _, err := r.Pool.Exec(ctx, "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", slot); err != nil {
		return res, fmt.Errorf("measure: second slot: %w", err)
	}
	defer r.Pool.Exec(context.WithoutCancel(ctx), "SELECT pg_drop_replication_slot($1)", slot)
	before, err := adm.Records(ctx, kafkaread.Topic)
	if err != nil {
		return res, err
	}
	b := seed.Backlog{Streams: res.Events / cfg.PerTx, PerStream: cfg.PerTx, PerTx: cfg.PerTx}
	if _, err := seed.Streams(ctx, r.Pool, b); err != nil {
		return res, err
	}
	var endLSN string
	if err := r.Pool.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&endLSN); err != nil {
		return res, err
	}

	took, err := relayDrain(ctx, r, adm, before+int64(res.Events), &res.RelayPeakRSS)
	if err != nil {
		return res, err
	}
	res.RelaySeconds, res.RelayRate = took.Seconds(), float64(res.Events)/took.Seconds()
	recv, err := recvlogical(ctx, r.DatabaseURL, slot, endLSN)
	if err != nil {
		return res, err
	}
	res.RecvSeconds, res.RecvRate = recv.Seconds(), float64(res.Events)/recv.Seconds()
	res.Ratio = res.RelayRate / res.RecvRate
	return res, nil
}

// relayDrain starts the relay and waits until the topic holds want records; the clock
// includes the process's start-up, as a restarted relay's would. It reads the peak RSS
// while the process still runs.
func relayDrain(ctx context.Context, r *rig.Rig, adm *kafkaread.Admin, want int64, rss *int64) (time.Duration, error) {
	start := time.Now()
	if err := r.StartRelay(ctx); err != nil {
		return 0, err
	}
	for {
		n, err := adm.Records(ctx, kafkaread.Topic)
		if err == nil && n >= want {
			took := time.Since(start)
			*rss = r.Relay().PeakRSS()
			return took, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// recvlogical drains slot up to endLSN with PostgreSQL's own client and the relay's
// plugin options, discarding the output: the walsender's decoding speed, undisturbed.
func recvlogical(ctx context.Context, url, slot, endLSN string) (time.Duration, error) {
	dir := os.Getenv("RECALL_PG_BIN")
	if dir == "" {
		dir = postgres.DefaultBin
	}
	bin := filepath.Join(dir, "pg_recvlogical")
	start := time.Now()
	out, err := exec.CommandContext(ctx, bin, "-d", url, "--slot", slot, "--start", "--endpos", endLSN, "--no-loop",
		"-o", "proto_version=1", "-o", "publication_names=recall_events", "-f", "/dev/null").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("measure: pg_recvlogical: %w\n%s", err, out)
	}
	return time.Since(start), nil
}
