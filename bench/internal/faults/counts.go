package faults

import (
	"fmt"
	"time"
)

// Counts are what a run did and what the checks found. Every field after Faults must be
// zero for the run to pass.
type Counts struct {
	Sent       int64 // commands sent
	Acked      int   // commands answered 2xx
	LoadFailed int64 // commands that failed during outages (allowed: never acknowledged)
	Retried    int64 // 503s and broken connections retried under the same Idempotency-Key
	Internal   int64 // answers 5xx other than 503 (never allowed: outages are 503)
	Faults     int
	Committed  int           // events in the store
	Records    int           // records on the topic, duplicates included
	Delivered  int           // distinct store events on the topic
	Duplicates int           // Records - distinct ce_ids
	Users      int           // rows in the read model
	CatchUp    time.Duration // from the end of the load to the read model reflecting every event

	Lost            int // committed, never on the topic
	Unknown         int // on the topic, not in the store
	OutOfOrder      int // a revision after a gap, or a repeat that is not a copy
	AckedMissing    int // 2xx commands whose event is not in the store at that revision
	ReadModelStale  int // users whose row differs from the store's last revision
	RebuildMismatch int // rows differing between the live read model and a rebuild from zero
	CatchUpLate     int // 1 when the read model caught up later than the profile's bound
}

// Failures lists the violated invariants.
func (c Counts) Failures() []string {
	var out []string
	for _, f := range []struct {
		n    int
		what string
	}{
		{c.Lost, "committed events missing from Kafka"},
		{c.Unknown, "Kafka events not in the store"},
		{c.OutOfOrder, "per-aggregate order violations"},
		{c.AckedMissing, "acknowledged commands missing from the store"},
		{c.ReadModelStale, "read-model rows not at the store's revision"},
		{c.RebuildMismatch, "rows differing from the rebuild from offset zero"},
		{c.CatchUpLate, fmt.Sprintf("read model caught up late (%v after the load)", c.CatchUp.Round(time.Millisecond))},
	} {
		if f.n != 0 {
			out = append(out, fmt.Sprintf("%d %s", f.n, f.what))
		}
	}
	if c.Internal != 0 {
		out = append(out, fmt.Sprintf("%d answers 5xx other than 503", c.Internal))
	}
	if c.Acked == 0 {
		out = append(out, "no command was acknowledged: the load did not run")
	}
	return out
}

func (c Counts) String() string {
	return fmt.Sprintf("commands sent %d, acknowledged %d, failed during outages %d, retries %d, 5xx other than 503 %d; faults %d; "+
		"events committed %d, delivered %d, records %d, duplicates %d, lost %d, unknown %d, out of order %d; "+
		"acknowledged but missing %d; read-model users %d, stale %d, differing from rebuild %d; caught up %v after the load",
		c.Sent, c.Acked, c.LoadFailed, c.Retried, c.Internal, c.Faults, c.Committed, c.Delivered, c.Records, c.Duplicates, c.Lost,
		c.Unknown, c.OutOfOrder, c.AckedMissing, c.Users, c.ReadModelStale, c.RebuildMismatch, c.CatchUp.Round(time.Millisecond))
}
