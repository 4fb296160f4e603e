// Package procstat reads a process's CPU time and parent from Linux's /proc/<pid>/stat,
// for benchmarks that put a figure (CPU per operation of our process, of PostgreSQL's
// backends, of the relay) beside its baseline. Four benchmarks each had a copy of this
// parsing; they share this one.
//
//	before := procstat.TreeCPU(postmaster)
//	... run the operations ...
//	b.ReportMetric(float64((procstat.TreeCPU(postmaster)-before).Microseconds())/float64(b.N), "pg_cpu_µs/op")
package procstat
