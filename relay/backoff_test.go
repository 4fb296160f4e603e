package relay

import (
	"testing"
	"time"
)

// TestBackoffNeverExceedsMax: the relay's retry waits double from 100 ms and
// stay within [0.75·d, d] of the doubled value d, so never above max (the
// documented RetryMax), and they start again from 100 ms after reset.
func TestBackoffNeverExceedsMax(t *testing.T) {
	const max = 5 * time.Second
	for range 50 {
		b := backoff{max: max}
		want := 100 * time.Millisecond
		for range 12 {
			d := b.next()
			if d > want || d < want*3/4 {
				t.Fatalf("wait %v, want within [%v, %v]", d, want*3/4, want)
			}
			want = min(want*2, max)
		}
		b.reset()
		if d := b.next(); d > 100*time.Millisecond {
			t.Fatalf("after reset: %v", d)
		}
	}
}
