package ops_test

import (
	"context"
	"errors"
	"testing"

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
