package report

import (
	"strings"
	"testing"

	"github.com/recall-events/recall/bench/internal/measure"
	"github.com/recall-events/recall/bench/internal/stats"
)

func TestRowsJudgeAgainstTheIssuesGoals(t *testing.T) {
	res := Result{
		Throughput: []measure.ThroughputRow{{Clients: 8, HTTP: 10, Raw: 100, Ratio: 0.1}, {Clients: 32, HTTP: 60, Raw: 100, Ratio: 0.6}},
		Drain:      &measure.DrainResult{Events: 1_000_000, PerTx: 100, RelayRate: 60_000, RecvRate: 100_000, Ratio: 0.6, RelayPeakRSS: 200 << 20},
		Latency: &measure.LatencyResult{Rate: 1000, AppendToKafka: stats.Latency{P99: 19},
			CommandToReadModel: stats.Latency{P99: 10, Missed: 1}},
	}
	got := map[string]string{}
	for _, r := range Rows(res) {
		got[r.What] = meets(r.Meets)
	}
	for what, want := range map[string]string{
		"UpdateUser over HTTP, 8 clients":                           "—", // no goal below 32 clients
		"UpdateUser over HTTP, 32 clients":                          "yes",
		"relay drain of a 1,000,000-event backlog (100-event tx)":   "**no**", // 60% of pg_recvlogical
		"append → in Kafka (commit→ack bound) at 1,000/s open loop": "yes",
		"UpdateUser → in read model at 1,000/s open loop":           "**no**", // one never arrived
		"relay peak RSS during (b)":                                 "**no**",
	} {
		if got[what] != want {
			t.Errorf("%s: %q, want %q", what, got[what], want)
		}
	}
}

func TestMarkdownListsSkipped(t *testing.T) {
	var b strings.Builder
	Markdown(&b, Result{Skipped: []string{"(b) no relay"}})
	if !strings.Contains(b.String(), "skipped: (b) no relay") || !strings.HasPrefix(b.String(), "| |") {
		t.Fatal(b.String())
	}
	if count(1234567) != "1,234,567" || count(12) != "12" {
		t.Fatal(count(1234567), count(12))
	}
}
