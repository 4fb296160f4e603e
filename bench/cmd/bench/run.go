package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/recall-events/recall/bench/internal/harness"
	"github.com/recall-events/recall/bench/internal/report"
)

// run parses args (flags over RECALL_BENCH_* variables over the profile), measures, and
// writes the table to out, the JSON and the docs section where asked.
func run(ctx context.Context, args []string, out, log io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(log)
	profile := fs.String("profile", env("RECALL_BENCH_PROFILE", "small"), "small or full ($RECALL_BENCH_PROFILE)")
	only := fs.String("only", "", "measurements to run, e.g. ace (default all of abcde)")
	jsonPath := fs.String("json", "", "write the results as JSON to this file")
	docPath := fs.String("doc", "", "append the results to this markdown file (docs/benchmarks.md)")
	logPath := fs.String("logs", "", "write the services' logs to this file (default: discarded)")
	apiConns := fs.Int("api-max-conns", 0, "command-api's database pool size (0: its default)")
	probe := fs.Int("pool-probe", -1, "(a) repeat the top level with command-api's pool at this size (0: don't; default: profile's)")
	attach := fs.Bool("attach", false, "target a running Recall (RECALL_BENCH_API_URL, _DATABASE_URL, _BROKERS, _REGISTRY_URL; Kafka TLS/SASL: RECALL_KAFKA_*)")
	o := overrides{}
	fs.IntVar(&o.users, "users", envInt("RECALL_BENCH_USERS"), "(a) users per side (0: profile)")
	fs.StringVar(&o.clients, "clients", env("RECALL_BENCH_CLIENTS", ""), "(a) concurrency levels, e.g. 1,8,32")
	fs.DurationVar(&o.duration, "duration", 0, "(a) length of one timed run")
	fs.IntVar(&o.reps, "reps", 0, "(a) timed runs per level and side")
	fs.IntVar(&o.events, "drain-events", envInt("RECALL_BENCH_EVENTS"), "(b) backlog size")
	fs.IntVar(&o.rate, "rate", envInt("RECALL_BENCH_RATE"), "(c) operations per second")
	fs.DurationVar(&o.latency, "latency-duration", 0, "(c) length of each run")
	fs.IntVar(&o.loadReps, "load-reps", 0, "(e) loads per variant")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := harness.ForProfile(*profile)
	if err != nil {
		return err
	}
	if err := o.apply(&cfg); err != nil {
		return err
	}
	cfg.Only, cfg.Attach, cfg.APIMaxConns = *only, *attach, int32(*apiConns)
	if *probe >= 0 {
		cfg.PoolProbe = int32(*probe)
	}
	if *logPath != "" {
		f, err := os.Create(*logPath)
		if err != nil {
			return err
		}
		defer f.Close()
		cfg.Logs = f
	}
	res, err := harness.Run(ctx, cfg, log)
	report.Markdown(out, res)
	if err != nil {
		return err
	}
	return save(res, *jsonPath, *docPath, log)
}

func save(res report.Result, jsonPath, docPath string, log io.Writer) error {
	if jsonPath != "" {
		if err := report.WriteJSON(jsonPath, res); err != nil {
			return err
		}
		fmt.Fprintln(log, "bench: JSON in", jsonPath)
	}
	if docPath != "" {
		if err := report.AppendDoc(docPath, res); err != nil {
			return err
		}
		fmt.Fprintln(log, "bench: appended to", docPath)
	}
	return nil
}

// env is the harness's own envOr: bench is a developer tool on the standard flag package,
// not a Recall binary, so it has no envflag twins (its RECALL_BENCH_* names are listed in -h).
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// overrides are the sizes given on the command line; zero keeps the profile's.
type overrides struct {
	users, reps, events, rate, loadReps int
	clients                             string
	duration, latency                   time.Duration
}

func (o overrides) apply(c *harness.Config) error {
	set := func(dst *int, v int) {
		if v > 0 {
			*dst = v
		}
	}
	set(&c.Throughput.Users, o.users)
	set(&c.Throughput.Reps, o.reps)
	set(&c.Drain.Events, o.events)
	set(&c.Latency.Rate, o.rate)
	set(&c.LoadReps, o.loadReps)
	if o.duration > 0 {
		c.Throughput.Duration = o.duration
	}
	if o.latency > 0 {
		c.Latency.Duration = o.latency
	}
	if o.clients != "" {
		c.Throughput.Clients = nil
		for _, s := range strings.Split(o.clients, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 {
				return fmt.Errorf("bench: -clients %q: want positive numbers", o.clients)
			}
			c.Throughput.Clients = append(c.Throughput.Clients, n)
		}
	}
	return nil
}
