package stats

import (
	"math"
	"slices"
	"time"
)

// Median of xs (the mean of the middle two for an even count); 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Latency summarises latency samples in milliseconds.
type Latency struct {
	N      int     `json:"n"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
	P999   float64 `json:"p999_ms"`
	Max    float64 `json:"max_ms"`
	Missed int     `json:"missed"` // succeeded but never observed within the deadline
	Failed int     `json:"failed"` // never succeeded (error, non-2xx, client timeout): no sample
}

// Summarise computes the percentiles of ds by nearest rank.
func Summarise(ds []time.Duration, missed int) Latency {
	l := Latency{N: len(ds), Missed: missed}
	if len(ds) == 0 {
		return l
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		return ms(s[max(0, min(i, len(s)-1))])
	}
	l.P50, l.P99, l.P999, l.Max = rank(0.50), rank(0.99), rank(0.999), ms(s[len(s)-1])
	return l
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
