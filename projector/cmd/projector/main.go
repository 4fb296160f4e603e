// Command projector consumes Recall's event topic into the read models and
// the welcome email. Configuration comes from flags and the environment; see
// projector.Config.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/recall-events/recall/projector"
)

func main() {
	cfg := projector.DefaultConfig()
	fs := flag.NewFlagSet("projector", flag.ExitOnError)
	envErr := cfg.Flags(fs, os.Getenv)
	_ = fs.Parse(os.Args[1:])
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg.Logger = log
	if err := errors.Join(envErr(), cfg.Validate()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := projector.Run(ctx, cfg); err != nil {
		log.Error("projector failed", "err", err)
		os.Exit(1)
	}
}
