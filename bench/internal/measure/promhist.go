package measure

import (
	"bufio"
	"context"
	"math"
	"sort"
	"strconv"
	"strings"

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

const commitToAck = "recall_relay_commit_to_ack_seconds_bucket"

// relayHistogram reads the relay's commit→ack histogram; empty when it is unreachable.
func relayHistogram(ctx context.Context, r *rig.Rig) histogram {
	h := histogram{}
	p := r.Relay()
	if p == nil {
		return h
	}
	body, err := p.Metrics(ctx)
	if err != nil {
		return h
	}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, commitToAck+"{") {
			continue
		}
		i, j := strings.Index(line, `le="`), strings.LastIndex(line, " ")
		if i < 0 || j < 0 {
			continue
		}
		le := line[i+4 : i+4+strings.Index(line[i+4:], `"`)]
		bound, err1 := strconv.ParseFloat(le, 64)
		if le == "+Inf" {
			bound, err1 = math.Inf(1), nil
		}
		count, err2 := strconv.ParseFloat(line[j+1:], 64)
		if err1 == nil && err2 == nil {
			h[bound] = count
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
