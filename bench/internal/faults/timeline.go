package faults

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/recall-events/recall/bench/internal/rig"
)

// fault is one scheduled blow.
type fault struct {
	at   time.Duration
	name string
	do   func(context.Context, *rig.Rig) error
}

// schedule lists p's faults in time order.
func schedule(p Profile) []fault {
	var fs []fault
	for at := p.RelayKills; at < p.Load; at += p.RelayKills {
		fs = append(fs, fault{at, "SIGKILL relay", restartRelay})
	}
	for _, at := range p.Projector {
		fs = append(fs, fault{at, "SIGKILL projector", restartProjector})
	}
	for _, at := range p.Postgres {
		fs = append(fs, fault{at, "restart PostgreSQL", func(ctx context.Context, r *rig.Rig) error { return r.RestartPostgres(ctx) }})
	}
	for _, at := range p.Kafka {
		fs = append(fs, fault{at, "SIGKILL broker", func(ctx context.Context, r *rig.Rig) error { return r.RestartKafka(ctx) }})
	}
	for _, at := range p.RelayPauses {
		fs = append(fs, fault{at, fmt.Sprintf("SIGSTOP relay for %v", p.RelayPause), func(_ context.Context, r *rig.Rig) error { return r.PauseRelay(p.RelayPause) }})
	}
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].at < fs[j].at })
	return fs
}

// restartRelay kills the relay like a crash and starts a new process after a moment in
// which commits go on with no relay.
func restartRelay(ctx context.Context, r *rig.Rig) error {
	r.KillRelay()
	time.Sleep(300 * time.Millisecond)
	return r.StartRelay(ctx)
}

func restartProjector(ctx context.Context, r *rig.Rig) error {
	r.KillProjector()
	time.Sleep(500 * time.Millisecond)
	return r.LaunchProjector(ctx)
}

// strike runs the faults at their offsets from start, one at a time (a fault that takes
// long delays the next), logging each; it returns how many struck.
func strike(ctx context.Context, r *rig.Rig, start time.Time, fs []fault, logf func(string, ...any)) (int, error) {
	for i, f := range fs {
		select {
		case <-ctx.Done():
			return i, ctx.Err()
		case <-time.After(time.Until(start.Add(f.at))):
		}
		t := time.Now()
		if err := f.do(ctx, r); err != nil {
			return i, fmt.Errorf("faults: %s at %v: %w", f.name, f.at, err)
		}
		logf("%5.1fs %s (%v)", time.Since(start).Seconds(), f.name, time.Since(t).Round(time.Millisecond))
	}
	return len(fs), nil
}
