// Package projector is the projector process as a library: Run consumes the
// event topic into the read models and side effects until its context ends.
//
//	cfg := projector.DefaultConfig()
//	cfg.DatabaseURL = "postgres://..."
//	if err := cfg.Validate(); err != nil { ... } // every problem at once
//	err := projector.Run(ctx, cfg)               // cmd/projector wires flags, env and SIGTERM
//
// Run migrates the projector's tables (package migrations), registers the
// configured users version in the projections table (live when none is), and
// then keeps one projection.Runner per users version in state building or
// live — re-reading the projections table every ReconcileInterval, so a
// version the replayer adds is built, and a retired one stopped, without a
// restart — plus the welcome-email projection in its own group. It serves
// /livez, /readyz (database reachable and every runner in its group) and
// /metrics on ListenAddr.
//
// On shutdown each runner finishes the batch in hand, commits its offsets and
// leaves its group; then the HTTP server and the pool close.
//
// The packages: projection (the consumer-group runtime), users (the users
// read model per version), welcome (the email side effect), readmodel (the
// queries command-api uses), versions (the projections table), migrations.
// Old schema versions are lifted with the contract's schemas/upcast, the
// same upcasters the aggregate uses.
package projector
