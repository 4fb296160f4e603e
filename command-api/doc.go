// Package commandapi is Recall's write side as a library: Run migrates the database,
// bootstraps the first admin when configured, and serves the HTTP API until its context
// ends, so cmd/command-api stays a thin main and devstack can run it beside the other
// services in one process.
//
//	cfg := commandapi.DefaultConfig()
//	cfg.Flags(fs)                        // cmd/command-api: flags with RECALL_* twins (ops/envflag)
//	err := commandapi.Run(ctx, cfg)      // Validate, migrate, serve until ctx ends
//
// Shutdown: when ctx ends, /readyz fails at once, the server keeps serving for
// ShutdownDelay (so load balancers notice), then drains in-flight requests for up to
// ShutdownTimeout.
package commandapi
