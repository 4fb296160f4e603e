package harness

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/recall-events/recall/bench/internal/measure"
	"github.com/recall-events/recall/bench/internal/report"
	"github.com/recall-events/recall/bench/internal/rig"
)

// Run measures what cfg asks for and returns the result; progress goes to log.
func Run(ctx context.Context, cfg Config, log io.Writer) (report.Result, error) {
	res := report.Result{Profile: cfg.Profile, Started: time.Now(), Sizes: cfg.sizes()}
	loadStart := report.LoadAverage()
	step := func(format string, a ...any) {
		fmt.Fprintf(log, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
	}
	step("starting Recall")
	r, err := open(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer r.Close()
	res.Machine = report.ThisMachine(r.PostgresVersion(ctx))
	res.Machine.LoadStart = loadStart
	h := &run{cfg: cfg, r: r, res: &res, step: step}
	err = h.all(ctx)
	res.Seconds = time.Since(res.Started).Seconds()
	res.Machine.LoadEnd = report.LoadAverage()
	return res, err
}

func open(ctx context.Context, cfg Config) (*rig.Rig, error) {
	if cfg.Attach {
		return rig.Attach(ctx, os.Getenv)
	}
	return rig.Start(ctx, rig.Options{Logs: cfg.Logs, APIMaxConns: cfg.APIMaxConns})
}

type run struct {
	cfg  Config
	r    *rig.Rig
	res  *report.Result
	step func(string, ...any)
}

func (h *run) all(ctx context.Context) error {
	for _, phase := range []func(context.Context) error{h.throughput, h.load, h.pipeline, h.latency, h.drain, h.replay} {
		if err := phase(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (h *run) skip(letter, why string) { h.res.Skipped = append(h.res.Skipped, "("+letter+") "+why) }

func (h *run) throughput(ctx context.Context) error {
	if !h.cfg.wants("a") {
		return nil
	}
	h.step("(a) UpdateUser over HTTP beside raw appends, clients %v", h.cfg.Throughput.Clients)
	rows, err := measure.Throughput(ctx, h.r, h.cfg.Throughput)
	for i := range rows {
		rows[i].APIPool = h.cfg.APIMaxConns
	}
	h.res.Throughput = rows
	if err != nil || h.cfg.PoolProbe <= 0 || h.r.External() || h.cfg.PoolProbe == h.cfg.APIMaxConns {
		return err
	}
	probe := h.cfg.Throughput
	probe.Clients = probe.Clients[len(probe.Clients)-1:]
	h.step("(a) again at %d clients with command-api's pool at %d connections", probe.Clients[0], h.cfg.PoolProbe)
	if err := h.r.RestartAPI(ctx, h.cfg.PoolProbe); err != nil {
		return err
	}
	defer h.r.RestartAPI(context.WithoutCancel(ctx), h.cfg.APIMaxConns)
	rows, err = measure.Throughput(ctx, h.r, probe)
	for i := range rows {
		rows[i].APIPool = h.cfg.PoolProbe
	}
	h.res.Throughput = append(h.res.Throughput, rows...)
	return err
}

func (h *run) load(ctx context.Context) error {
	if !h.cfg.wants("e") {
		return nil
	}
	h.step("(e) loading a 10k-event user with and without a snapshot")
	l, err := measure.Load(ctx, h.r, h.cfg.LoadReps)
	h.res.Load = &l
	return err
}

// pipeline starts the relay and the projector (on a started rig) and waits until they
// have caught up with what (a) and (e) wrote.
func (h *run) pipeline(ctx context.Context) error {
	if h.r.External() || !(h.cfg.wants("c") || h.cfg.wants("b") || h.cfg.wants("d")) {
		return nil
	}
	h.step("starting the relay and the projector (processes)")
	if err := h.r.StartRelay(ctx); err != nil {
		return err
	}
	if err := h.r.StartProjector(ctx); err != nil {
		return err
	}
	return measure.WaitCaughtUp(ctx, h.r, 10*time.Minute)
}

func (h *run) latency(ctx context.Context) error {
	if !h.cfg.wants("c") {
		return nil
	}
	h.step("(c) latency at %d/s, open loop, %v per run", h.cfg.Latency.Rate, h.cfg.Latency.Duration)
	l, err := measure.Latency(ctx, h.r, h.cfg.Latency)
	h.res.Latency = &l
	return err
}

func (h *run) drain(ctx context.Context) error {
	if !h.cfg.wants("b") {
		return nil
	}
	if h.r.External() {
		h.skip("b", "the relay of a running Recall cannot be stopped by the harness")
		return nil
	}
	h.step("(b) relay drain of %d events beside pg_recvlogical", h.cfg.Drain.Events)
	d, err := measure.Drain(ctx, h.r, h.cfg.Drain)
	h.res.Drain = &d
	return err
}

func (h *run) replay(ctx context.Context) error {
	if !h.cfg.wants("d") {
		return nil
	}
	if h.r.External() {
		h.skip("d", "rewinding a running Recall's projection is the replayer's job, not a benchmark's")
		return nil
	}
	h.step("(d) replay from offset zero into the users read model")
	p, err := measure.Replay(ctx, h.r)
	h.res.Replay = &p
	return err
}
