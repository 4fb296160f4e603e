package credentials

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestValidateEnforcesTheOWASPFloor(t *testing.T) {
	t.Parallel()
	for _, p := range []Params{{47104, 1, 1}, {19456, 2, 1}, {12288, 3, 1}, {9216, 4, 1}, {7168, 5, 1}, DefaultParams} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	for _, p := range []Params{{8192, 1, 1}, {19455, 2, 1}, {47103, 1, 1}, {8192, 3, 1}, {7167, 5, 1}, {7168, 5, 0}} {
		if err := p.Validate(); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

func TestOldWeakHashesStillVerifyAndAskForARehash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	weak := NewHasher(Params{MemoryKiB: 8192, Time: 1, Threads: 1})
	hash, err := weak.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	strong := NewHasher(Params{MemoryKiB: 7168, Time: 5, Threads: 1})
	if ok, err := strong.Verify(ctx, "correct horse", hash); !ok || err != nil {
		t.Fatalf("verify old hash: %v %v", ok, err)
	}
	if !strong.NeedsRehash(hash) || weak.NeedsRehash(hash) {
		t.Fatal("NeedsRehash")
	}
}

// TestHashQueueIsBounded: with every slot busy and the queue full, a hash fails at once
// with ErrBusy instead of waiting behind the others.
func TestHashQueueIsBounded(t *testing.T) {
	t.Parallel()
	h := NewBoundedHasher(Params{MemoryKiB: 64 * 1024, Time: 3, Threads: 1}, 1, 2)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 3 { // one running, two queued
		wg.Go(func() { _, _ = h.Hash(ctx, "x") })
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(h.tickets) < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if h.Waiting() != 2 {
		t.Fatalf("waiting %d, want 2", h.Waiting())
	}
	if _, err := h.Hash(ctx, "y"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash with a full queue: %v", err)
	}
	if _, err := h.Verify(ctx, "y", ""); !errors.Is(err, ErrBusy) {
		t.Fatalf("Verify with a full queue: %v", err)
	}
	// "At once", told without a clock: the refusals came while the queue was still full,
	// so neither waited for a slot (a wall-clock bound flaked under -race on a loaded host).
	if h.Waiting() != 2 {
		t.Fatalf("the queue moved before ErrBusy was answered: waiting %d", h.Waiting())
	}
	wg.Wait()
	if _, err := h.Hash(ctx, "z"); err != nil {
		t.Fatal(err)
	}
}

func TestCommon(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"password", "Password1", "123456789", "qwertyuiop", " iloveyou ", "P@ssw0rd", "summer2024", "letmein123"} {
		if !Common(p) {
			t.Errorf("%q not common", p)
		}
	}
	for _, p := range []string{"correct horse battery", "admin-secret-pw-1", "user-secret-pw-1", "recall-admin"} {
		if Common(p) {
			t.Errorf("%q common", p)
		}
	}
}
