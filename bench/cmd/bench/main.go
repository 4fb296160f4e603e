// Command bench measures Recall end to end and prints a markdown table; see the harness
// package for what and in which order.
//
//	go run ./cmd/bench                          # small profile, < 2 min
//	go run ./cmd/bench -profile full -doc ../docs/benchmarks.md -json ../.data/bench.json
//	RECALL_BENCH_API_URL=… go run ./cmd/bench -attach -only ace
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
