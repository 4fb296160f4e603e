// Package commandapi is Recall's write side as a library: Run migrates the database,
// bootstraps the first admin when configured, and serves the HTTP API until its context
// ends, so cmd/command-api stays a thin main and devstack can run it beside the other
// services in one process.
//
//	cfg, err := commandapi.ConfigFromArgs(os.Args[1:], os.Getenv)
//	if err == nil { err = cfg.Validate() }
//	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
//	defer stop()
//	err = commandapi.Run(ctx, cfg)
//
// Shutdown: when ctx ends, /readyz fails at once, the server keeps serving for
// ShutdownDelay (so load balancers notice), then drains in-flight requests for up to
// ShutdownTimeout.
package commandapi
