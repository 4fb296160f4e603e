// Package stats summarises samples: medians of repeated runs and latency percentiles.
// Percentiles are exact (sorted samples, nearest rank), not histogram estimates, because
// p99.9 of a few thousand samples is only a handful of them and bucket edges would hide
// them.
package stats
