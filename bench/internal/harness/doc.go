// Package harness runs the benchmark measurements in an order that keeps them apart, on a
// Recall it starts (or one it is pointed at), and reports them:
//
//  1. (a) throughput and (e) load, with the relay and the projector not yet running, so
//     the write path has the machine to itself;
//  2. the relay and the projector start and catch up; (c) latency at a fixed rate;
//  3. (b) the drain, with the projector stopped; (d) the replay, with the relay idle.
//
// Profiles size it: "small" finishes in under two minutes, "full" is the issues' sizes.
//
//	cfg, err := harness.ForProfile("small")
//	res, err := harness.Run(ctx, cfg, os.Stderr)
package harness
