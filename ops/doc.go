// Package ops is the face every Recall process shows its operators: /livez, /readyz and
// /metrics with the same bodies in command-api, relay and projector, and one way to
// serve them until the process stops.
//
// A process lists what it must have to take traffic as Checks; a failing check's error
// is logged, never served, so a probe answer carries no internal detail:
//
//	probes := ops.Probes{Gatherer: reg, Logger: log, Checks: []ops.Check{
//		{Name: "database", Func: pool.Ping},
//	}}
//	g, ctx := errgroup.WithContext(ctx)
//	g.Go(func() error { return ops.Serve(ctx, ln, probes.Handler(), ops.ServeOptions{Logger: log}) })
//
// /livez answers 200 {"status":"ok"} while the process answers at all. /readyz answers
// 200 {"status":"ok"} when every check passes, else 503
// {"status":"unavailable","checks":{"database":"ok","streaming":"failing"}}. /metrics is
// the Prometheus text exposition of the process's registry.
//
// Package envflag, beside it, gives every binary the same command line: flags with
// environment twins; package tracing gives every service the same OpenTelemetry setup.
package ops
