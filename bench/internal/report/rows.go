package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/recall-events/recall/bench/internal/measure"
	"github.com/recall-events/recall/bench/internal/stats"
)

// Row is one line of the table: a figure, its same-run baseline, and its goal.
type Row struct {
	Ref, What, Recall, Baseline, Ratio, Goal string
	Meets                                    *bool // nil: no goal
}

func verdict(ok bool) *bool { return &ok }

// Rows lays res out, one row per figure, in the order (a)–(f).
func Rows(res Result) []Row {
	var rows []Row
	rows = append(rows, throughputRows(res)...)
	rows = append(rows, drainRows(res)...)
	rows = append(rows, latencyRows(res)...)
	rows = append(rows, replayRows(res)...)
	rows = append(rows, loadRows(res)...)
	return append(rows, rssRows(res)...)
}

func throughputRows(res Result) []Row {
	var rows []Row
	for _, t := range res.Throughput {
		what := fmt.Sprintf("UpdateUser over HTTP, %d clients", t.Clients)
		if t.APIPool > 0 {
			what += fmt.Sprintf(", command-api pool %d (RECALL_DB_MAX_CONNS)", t.APIPool)
		}
		r := Row{Ref: "a", What: what,
			Recall: rate(t.HTTP, "cmds/s"), Baseline: "raw append " + rate(t.Raw, "/s"), Ratio: pct(t.Ratio), Goal: "—"}
		if t.Clients == 32 {
			r.Goal, r.Meets = "≥ 50% of raw at 32 clients (#3)", verdict(t.Ratio >= 0.5)
		}
		rows = append(rows, r)
	}
	return rows
}

func drainRows(res Result) []Row {
	d := res.Drain
	if d == nil {
		return nil
	}
	return []Row{{Ref: "b", What: fmt.Sprintf("relay drain of a %s-event backlog (%d-event tx)", count(d.Events), d.PerTx),
		Recall: rate(d.RelayRate, "events/s"), Baseline: "pg_recvlogical " + rate(d.RecvRate, "/s"), Ratio: pct(d.Ratio),
		Goal: "≥ 50k/s and ≥ 70% of pg_recvlogical (#4)", Meets: verdict(d.RelayRate >= 50_000 && d.Ratio >= 0.7)}}
}

func latencyRows(res Result) []Row {
	l := res.Latency
	if l == nil {
		return nil
	}
	at := fmt.Sprintf(" at %s/s open loop", count(l.Rate))
	ack := "—"
	if l.RelayCommitToAck.N > 0 {
		ack = fmt.Sprintf("relay's own commit→ack p50 ≤ %s, p99 ≤ %s ms", le(l.RelayCommitToAck.P50le), le(l.RelayCommitToAck.P99le))
	}
	return append([]Row{
		{Ref: "c", What: "append → in Kafka (commit→ack bound)" + at, Recall: lat(l.AppendToKafka), Baseline: ack,
			Goal: "commit→ack p99 ≤ 20 ms (#4)", Meets: verdict(l.AppendToKafka.P99 <= 20 && l.AppendToKafka.Missed+l.AppendToKafka.Failed == 0)},
		{Ref: "c", What: "UpdateUser → HTTP reply" + at, Recall: lat(l.CommandToReply), Goal: "—"},
		{Ref: "c", What: "UpdateUser → in Kafka" + at, Recall: lat(l.CommandToKafka), Goal: "—"},
		{Ref: "c", What: "UpdateUser → in read model" + at, Recall: lat(l.CommandToReadModel),
			Goal: "p99 ≤ 50 ms (#5)", Meets: verdict(l.CommandToReadModel.P99 <= 50 && l.CommandToReadModel.Missed+l.CommandToReadModel.Failed == 0)},
	}, readYourWritesRows(l, at)...)
}

// readYourWritesRows set run 3 (each command followed by its read-your-writes GET)
// beside run 2 (commands alone, the same run).
func readYourWritesRows(l *measure.LatencyResult, at string) []Row {
	y := l.ReadYourWrites
	if y == nil {
		return nil
	}
	alone := "without the GETs: "
	read := lat(y.CommandToRead)
	statuses := make([]string, 0, len(y.ReadStatuses))
	for status := range y.ReadStatuses {
		statuses = append(statuses, status)
	}
	slices.Sort(statuses)
	for _, status := range statuses {
		read += fmt.Sprintf(", %d × %s", y.ReadStatuses[status], status)
	}
	return []Row{
		{Ref: "c", What: "UpdateUser, each followed by its read-your-writes GET → HTTP reply" + at, Recall: lat(y.CommandToReply),
			Baseline: alone + short(l.CommandToReply), Goal: "p99 ≤ 50 ms, 0 failures (#14)",
			Meets: verdict(y.CommandToReply.P99 <= 50 && y.CommandToReply.Failed == 0)},
		{Ref: "c", What: "UpdateUser → its GET ?min_revision=&wait=2s answered 200" + at, Recall: read,
			Baseline: "harness's own watch, without the GETs: " + short(l.CommandToReadModel), Goal: "p99 ≤ 100 ms, 0 failures (#14)",
			Meets: verdict(y.CommandToRead.P99 <= 100 && y.CommandToRead.Failed == 0)},
		{Ref: "c", What: "PostgreSQL transactions per command (pg_stat_database xact_commit Δ / commands)" + at,
			Recall: fmt.Sprintf("%.2f with its GET", y.Cost.TxPerCommand), Baseline: fmt.Sprintf("%s%.2f", alone, l.CommandCost.TxPerCommand),
			Goal: "≤ 4 including the GET (#14)", Meets: verdict(y.Cost.TxPerCommand <= 4)},
		{Ref: "c", What: "CPU by process, cores (CPU s per s)" + at, Recall: cpu(y.Cost.CPU), Baseline: alone + cpu(l.CommandCost.CPU), Goal: "reported (#14)"},
	}
}

func short(l stats.Latency) string {
	s := fmt.Sprintf("p50 %.1f / p99 %.1f ms", l.P50, l.P99)
	if l.Failed+l.Missed > 0 {
		s += fmt.Sprintf(", %d failed or missed", l.Failed+l.Missed)
	}
	return s
}

func cpu(m map[string]float64) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %.2f", n, m[n])
	}
	return strings.Join(parts, ", ")
}

func replayRows(res Result) []Row {
	p := res.Replay
	if p == nil {
		return nil
	}
	return []Row{{Ref: "d", What: fmt.Sprintf("replay from offset zero into the users read model (%s events, %s records)", count(int(p.Events)), count(int(p.Records))),
		Recall: rate(p.Rate, "events/s") + " from process start", Baseline: rate(p.JoinedRate, "events/s") + " from group join",
		Goal: "≥ 50k/s (#5)", Meets: verdict(p.Rate >= 50_000)}}
}

func loadRows(res Result) []Row {
	l := res.Load
	if l == nil {
		return nil
	}
	ms := func(v float64) string { return fmt.Sprintf("%.1f ms", v) }
	return []Row{
		{Ref: "e", What: "load a 10k-event user, no snapshot: command-api (GET …/state?revision=)", Recall: ms(l.HTTPWithout),
			Baseline: "store read alone " + ms(l.StoreWithout), Goal: "≤ 50 ms (#2)", Meets: verdict(l.HTTPWithout <= 50)},
		{Ref: "e", What: "load a 10k-event user, from a snapshot: command-api", Recall: ms(l.HTTPWith),
			Baseline: "store read alone " + ms(l.StoreWith), Goal: "≤ 2 ms (#2)", Meets: verdict(l.HTTPWith <= 2)},
	}
}

func rssRows(res Result) []Row {
	var rows []Row
	if d := res.Drain; d != nil && d.RelayPeakRSS > 0 {
		rows = append(rows, Row{Ref: "f", What: "relay peak RSS during (b)", Recall: mib(d.RelayPeakRSS),
			Goal: "≤ 150 MB (#4)", Meets: verdict(d.RelayPeakRSS <= 150_000_000)})
	}
	if p := res.Replay; p != nil && p.ProjectorPeakRSS > 0 {
		rows = append(rows, Row{Ref: "f", What: "projector peak RSS during (d)", Recall: mib(p.ProjectorPeakRSS), Goal: "reported (#5)"})
	}
	return rows
}

func rate(v float64, unit string) string { return count(int(v+0.5)) + " " + unit }

func pct(r float64) string { return fmt.Sprintf("%.0f%%", 100*r) }

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func lat(l stats.Latency) string {
	s := fmt.Sprintf("p50 %.1f / p99 %.1f / p99.9 %.1f ms (max %.0f, n=%d)", l.P50, l.P99, l.P999, l.Max, l.N)
	if l.Missed > 0 {
		s += fmt.Sprintf(", %d never seen", l.Missed)
	}
	if l.Failed > 0 {
		s += fmt.Sprintf(", **%d failed** (no sample: error or 30 s client timeout)", l.Failed)
	}
	return s
}

func le(ms float64) string {
	if ms < 0 {
		return "> 60000"
	}
	return fmt.Sprintf("%g", ms)
}

// count writes n with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
