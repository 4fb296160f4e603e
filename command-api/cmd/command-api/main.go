// Command command-api serves Recall's write API. `command-api bootstrap-admin [flags]`
// only migrates and creates the admin; flags and RECALL_* variables are listed by -h.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	commandapi "github.com/recall-events/recall/command-api"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "command-api:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	bootstrap := len(args) > 0 && args[0] == "bootstrap-admin"
	if bootstrap {
		args = args[1:]
	}
	cfg, err := commandapi.ConfigFromArgs(args, os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if bootstrap {
		return commandapi.BootstrapAdmin(ctx, cfg)
	}
	return commandapi.Run(ctx, cfg)
}
