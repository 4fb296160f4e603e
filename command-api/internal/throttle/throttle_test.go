package throttle

import (
	"strconv"
	"testing"
	"time"
)

func TestKeyedLimitsEachKey(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	k := New(Rate{PerMinute: 6, Burst: 2}, 10)
	k.now = func() time.Time { return now }
	for i := range 2 {
		if ok, _ := k.Allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := k.Allow("a")
	if ok || wait <= 0 || wait > 10*time.Second {
		t.Fatalf("third: %v %s, want refused with ≤10s to wait", ok, wait)
	}
	if ok, _ := k.Allow("b"); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(wait)
	if ok, _ := k.Allow("a"); !ok {
		t.Fatal("refused after waiting Retry-After")
	}
}

func TestKeyedStaysBounded(t *testing.T) {
	t.Parallel()
	k := New(Rate{PerMinute: 1, Burst: 1}, 100)
	for i := range 10_000 {
		k.Allow(strconv.Itoa(i))
	}
	if n := k.Len(); n > 100 {
		t.Fatalf("%d keys tracked, want ≤ 100", n)
	}
}

func TestZeroRateAllowsEverything(t *testing.T) {
	t.Parallel()
	var k *Keyed
	if ok, _ := k.Allow("x"); !ok {
		t.Fatal("nil limiter refused")
	}
	if ok, _ := New(Rate{}, 1).Allow("x"); !ok {
		t.Fatal("zero rate refused")
	}
}
