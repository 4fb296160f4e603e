// Command command-api serves Recall's write API. `command-api bootstrap-admin [flags]`
// only migrates and creates the admin; `command-api recover-admin USERNAME REASON [flags]`
// makes an existing user an admin again, as the operator, when no admin is left; flags
// and RECALL_* variables are listed by -h.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
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
	if len(args) > 0 && args[0] == "recover-admin" {
		return recoverAdmin(args[1:])
	}
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

// recoverAdmin runs `command-api recover-admin USERNAME REASON [flags]`.
func recoverAdmin(args []string) error {
	if len(args) < 2 || strings.HasPrefix(args[0], "-") || strings.HasPrefix(args[1], "-") {
		return errors.New("usage: command-api recover-admin USERNAME REASON [flags]")
	}
	cfg, err := commandapi.ConfigFromArgs(args[2:], os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return commandapi.RecoverAdmin(ctx, cfg, args[0], args[1])
}
