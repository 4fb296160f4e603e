// Package proc runs Recall's relay and projector as real processes, built from their
// cmd/ packages, so that a harness can SIGKILL them (the fault tests) and read their peak
// resident memory from /proc/<pid>/status (the benchmarks). In-process services share
// one heap with the harness, which makes both impossible.
//
//	bins, err := proc.Build(ctx, dir, proc.Relay, proc.Projector)
//	p, err := proc.Start(bins[proc.Relay], env, listen, logFile)
//	err = p.WaitReady(ctx)
//	peak := p.PeakRSS() // VmHWM, bytes
//	p.Kill()            // SIGKILL, as a crash
package proc
