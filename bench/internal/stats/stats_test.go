package stats

import (
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestSummariseNearestRank(t *testing.T) {
	ds := make([]time.Duration, 1000)
	for i := range ds {
		ds[i] = time.Duration(1000-i) * time.Millisecond // 1..1000 ms, reversed
	}
	l := Summarise(ds, 2)
	if l.P50 != 500 || l.P99 != 990 || l.P999 != 999 || l.Max != 1000 || l.N != 1000 || l.Missed != 2 {
		t.Fatalf("got %+v", l)
	}
	if empty := Summarise(nil, 0); empty.N != 0 || empty.P99 != 0 {
		t.Fatalf("empty: %+v", empty)
	}
}
