package measure

import (
	"math"
	"testing"
)

const exposition = `# HELP recall_relay_commit_to_ack_seconds From commit to Kafka's ack.
# TYPE recall_relay_commit_to_ack_seconds histogram
recall_relay_commit_to_ack_seconds_bucket{le="0.001"} 10
recall_relay_commit_to_ack_seconds_bucket{le="0.005"} 60
recall_relay_commit_to_ack_seconds_bucket{le="0.05"} 99
recall_relay_commit_to_ack_seconds_bucket{le="+Inf"} 100
recall_relay_commit_to_ack_seconds_sum 0.4
recall_relay_commit_to_ack_seconds_count 100
# HELP recall_relay_connected 1 while streaming.
# TYPE recall_relay_connected gauge
recall_relay_connected 1
`

func TestParseHistogram(t *testing.T) {
	h := parseHistogram(exposition, commitToAck)
	want := histogram{0.001: 10, 0.005: 60, 0.05: 99, math.Inf(1): 100}
	if len(h) != len(want) {
		t.Fatalf("parsed %v, want %v", h, want)
	}
	for b, c := range want {
		if h[b] != c {
			t.Errorf("bucket %v = %v, want %v", b, h[b], c)
		}
	}
	if s := h.minus(histogram{0.001: 10, 0.005: 10, 0.05: 10, math.Inf(1): 10}).summary(); s != (BucketSummary{N: 90, P50le: 5, P99le: -1}) {
		t.Errorf("summary of the difference = %+v", s)
	}
	if len(parseHistogram("not an exposition {", commitToAck)) != 0 || len(parseHistogram(exposition, "absent")) != 0 {
		t.Error("bad text or an absent family must give an empty histogram")
	}
}
