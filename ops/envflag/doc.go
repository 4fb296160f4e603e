// Package envflag gives every Recall binary the same command line: cobra/pflag flags,
// each with an environment twin, read in the order flag > environment > default.
//
// A service binds its Config to a flag set, names each flag's twin, and lets Execute run
// the command:
//
//	cfg := relay.DefaultConfig()
//	cmd := &cobra.Command{Use: "relay", RunE: func(c *cobra.Command, _ []string) error {
//		return relay.Run(c.Context(), cfg)
//	}}
//	cfg.Flags(cmd.Flags()) // fs.StringVar(...); envflag.Bind(fs, "database-url", "DATABASE_URL")
//	os.Exit(envflag.Execute(cmd, os.Args[1:], os.Getenv))
//
// The environment is applied after the command line is parsed, only to flags the command
// line did not set, so --help shows the real defaults and "(env NAME)" beside each flag.
// Older variable names stay readable as deprecated aliases of a twin. Every problem of
// the environment is reported at once (errors.Join), as Validate does for the values.
//
// CheckTable compares a README's configuration table with a flag set, so the
// documentation cannot drift from the binary.
package envflag
