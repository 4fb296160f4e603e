package ops_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/recall-events/recall/ops"
)

func TestRunStopsEveryPartWhenOneReturns(t *testing.T) {
	waiter := func(ctx context.Context) error { <-ctx.Done(); return nil }
	if err := ops.Run(context.Background(), waiter, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := ops.Run(context.Background(), waiter, func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ops.Run(ctx, waiter, waiter); err != nil {
		t.Fatal(err)
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	if err := ops.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("a full sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := ops.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("a cancelled sleep: %v after %v", err, time.Since(start))
	}
}
