// Command projector consumes Recall's event topic into the read models and the welcome
// email. Flags and their environment twins are listed by --help; SIGTERM or SIGINT stops
// it gracefully.
package main

import (
	"context"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/projector"
)

func main() {
	limitMemory(os.Getenv)
	os.Exit(envflag.Execute(command(projector.Run), os.Args[1:], os.Getenv))
}

// memoryLimit is the projector's soft memory limit when GOMEMLIMIT does not set one. A
// replay from offset zero fetches and decodes batches as fast as the database takes
// them; with only GOGC the heap grew to twice what was live, 267–504 MiB. The live heap
// of a replay (a fetch in hand, one buffered, their decoded batch) fits well below it.
const memoryLimit = 100 << 20

// limitMemory sets memoryLimit unless the environment sets GOMEMLIMIT (the Go runtime
// then applies that one, "off" included).
func limitMemory(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// command is the projector's command line over run (projector.Run; a stand-in in tests).
func command(run func(context.Context, projector.Config) error) *cobra.Command {
	cfg := projector.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "projector",
		Short: "Consume the event topic into the read models and the welcome email",
		Long: "Consume the event topic into the read models and the welcome email.\n\n" +
			"RECALL_SMTP_PASSWORD (environment only: a flag's value shows in ps) is the SMTP AUTH password.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return run(c.Context(), cfg) },
	}
	cfg.Flags(cmd.Flags())
	return cmd
}
