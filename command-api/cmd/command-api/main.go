// Command command-api serves Recall's write API. `command-api bootstrap-admin [flags]`
// only migrates and creates the admin; `command-api recover-admin USERNAME REASON [flags]`
// makes an existing user an admin again, as the operator, when no admin is left. Flags
// and their RECALL_* environment twins are listed by --help; SIGTERM or SIGINT stops it
// gracefully.
package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/ops/envflag"
)

func main() {
	os.Exit(envflag.Execute(command(commandapi.Run, commandapi.BootstrapAdmin, commandapi.RecoverAdmin), os.Args[1:], os.Getenv))
}

// command is command-api's command line over serve (commandapi.Run), bootstrap
// (commandapi.BootstrapAdmin) and recover (commandapi.RecoverAdmin); stand-ins in tests.
func command(serve, bootstrap func(context.Context, commandapi.Config) error,
	recover func(ctx context.Context, cfg commandapi.Config, username, reason string) error) *cobra.Command {
	cfg := commandapi.DefaultConfig()
	root := &cobra.Command{
		Use:   "command-api",
		Short: "Serve Recall's HTTP API: commands, queries, history, login",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return serve(c.Context(), cfg) },
	}
	root.AddCommand(&cobra.Command{
		Use:   "bootstrap-admin",
		Short: "Migrate the event store and create the admin when the name is free, then exit",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return bootstrap(c.Context(), cfg) },
	}, &cobra.Command{
		Use:   "recover-admin USERNAME REASON",
		Short: "Make an existing user an admin again, as the operator, when no admin is left",
		Args:  cobra.ExactArgs(2),
		RunE:  func(c *cobra.Command, args []string) error { return recover(c.Context(), cfg, args[0], args[1]) },
	})
	root.CompletionOptions.DisableDefaultCmd = true
	cfg.Flags(root.PersistentFlags())
	return root
}
