package measure

import (
	"context"
	"math"
	"sort"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/recall-events/recall/bench/internal/rig"
)

// histogram is a Prometheus histogram's cumulative buckets: upper bound → count.
type histogram map[float64]float64

// BucketSummary is a histogram's percentiles as bucket upper bounds in milliseconds (the
// true value is at most that); -1 when beyond the last finite bucket.
type BucketSummary struct {
	N     float64 `json:"n"`
	P50le float64 `json:"p50_le_ms"`
	P99le float64 `json:"p99_le_ms"`
}

const commitToAck = "recall_relay_commit_to_ack_seconds"

// relayHistogram reads the relay's commit→ack histogram; empty when it is unreachable.
func relayHistogram(ctx context.Context, r *rig.Rig) histogram {
	p := r.Relay()
	if p == nil {
		return histogram{}
	}
	body, err := p.Metrics(ctx)
	if err != nil {
		return histogram{}
	}
	return parseHistogram(body, commitToAck)
}

// parseHistogram sums the buckets (le="+Inf" included) of every series of histogram
// family name in a Prometheus text exposition; empty when it is absent or the text
// does not parse.
func parseHistogram(exposition, name string) histogram {
	h := histogram{}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(exposition))
	if err != nil {
		return h
	}
	for _, m := range fams[name].GetMetric() {
		for _, b := range m.GetHistogram().GetBucket() {
			h[b.GetUpperBound()] += float64(b.GetCumulativeCount())
		}
	}
	return h
}

func (h histogram) minus(o histogram) histogram {
	out := histogram{}
	for b, c := range h {
		out[b] = c - o[b]
	}
	return out
}

func (h histogram) summary() BucketSummary {
	bounds := make([]float64, 0, len(h))
	for b := range h {
		bounds = append(bounds, b)
	}
	sort.Float64s(bounds)
	if len(bounds) == 0 {
		return BucketSummary{}
	}
	total := h[bounds[len(bounds)-1]]
	at := func(q float64) float64 {
		for _, b := range bounds {
			if h[b] >= q*total && !math.IsInf(b, 1) {
				return b * 1000
			}
		}
		return -1
	}
	return BucketSummary{N: total, P50le: at(0.5), P99le: at(0.99)}
}
