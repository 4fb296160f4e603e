package envflag

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes of Execute.
const (
	ExitOK    = 0 // the command succeeded, or --help printed usage
	ExitError = 1 // the command failed
	ExitUsage = 2 // a bad flag, argument or environment variable
)

// usageError marks a problem of the command line or the environment.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// Execute runs cmd with args until it returns or SIGINT/SIGTERM cancels its context, and
// returns the process's exit code. Before any command runs, the environment (getenv) is
// applied to its flags, local and inherited (see Apply). --help prints usage to cmd's
// output and exits 0; errors go to cmd's error output.
func Execute(cmd *cobra.Command, args []string, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return ExecuteContext(ctx, cmd, args, getenv)
}

// ExecuteContext is Execute under ctx, with no signal handling of its own.
func ExecuteContext(ctx context.Context, cmd *cobra.Command, args []string, getenv func(string) string) int {
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	applyBeforeRun(cmd, getenv)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", cmd.Name(), err)
	if errors.As(err, new(usageError)) {
		fmt.Fprintf(cmd.ErrOrStderr(), "Run '%s --help' for usage.\n", cmd.CommandPath())
		return ExitUsage
	}
	return ExitError
}

// applyBeforeRun wraps the persistent pre-run hook of cmd and of every descendant that
// has one: cobra runs only the nearest, so exactly one applies the environment, before
// any validation the command does itself.
func applyBeforeRun(cmd *cobra.Command, getenv func(string) string) {
	for _, c := range cmd.Commands() {
		if c.PersistentPreRunE != nil {
			applyBeforeRun(c, getenv)
		}
	}
	next := cmd.PersistentPreRunE
	cmd.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		if err := Apply(c.Flags(), getenv); err != nil {
			return usageError{err}
		}
		if next != nil {
			return next(c, args)
		}
		return nil
	}
}
