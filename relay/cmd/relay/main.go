// Command relay streams the event store's committed events to Kafka. Flags and their
// environment twins are listed by --help; SIGTERM or SIGINT stops it gracefully.
package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/relay"
)

func main() {
	os.Exit(envflag.Execute(command(relay.Run), os.Args[1:], os.Getenv))
}

// command is the relay's command line over run (relay.Run; a stand-in in tests).
func command(run func(context.Context, relay.Config) error) *cobra.Command {
	cfg := relay.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "relay",
		Short: "Stream the event store's committed events to Kafka (at-least-once, in commit order)",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return run(c.Context(), cfg) },
	}
	cfg.Flags(cmd.Flags())
	return cmd
}
