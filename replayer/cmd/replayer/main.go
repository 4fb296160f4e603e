// Command replayer is Recall's ops CLI; see package cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/recall-events/recall/replayer/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
