package envflagtest

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recall-events/recall/ops/envflag"
)

// NoEnv is an empty environment, so a test reads only the defaults and its arguments.
func NoEnv(string) string { return "" }

// Help runs cmd with args (--help when none) and checks that it exits 0, that every flag
// of flags(cmd) has an environment twin and that the usage printed lists each flag with
// its twin. cmd's run function should fail the test if it is called.
func Help(t testing.TB, cmd *cobra.Command, flags func(*cobra.Command) *pflag.FlagSet, args ...string) {
	t.Helper()
	if len(args) == 0 {
		args = []string{"--help"}
	}
	var out bytes.Buffer
	cmd.SetOut(&out)
	if code := envflag.Execute(cmd, args, NoEnv); code != 0 {
		t.Fatalf("%v: exit %d", args, code)
	}
	fs := flags(cmd)
	if unbound := envflag.Unbound(fs); len(unbound) > 0 {
		t.Errorf("flags without an env twin: %v", unbound)
	}
	for _, r := range envflag.Rows(fs) {
		if !strings.Contains(out.String(), r.Flag+" ") || !strings.Contains(out.String(), "(env "+r.Env+")") {
			t.Errorf("%v: usage lacks %s or its twin %s", args, r.Flag, r.Env)
		}
	}
}

// Flags and PersistentFlags pick the flag set Help checks.
func Flags(c *cobra.Command) *pflag.FlagSet { return c.Flags() }

// PersistentFlags is for commands whose flags are shared with subcommands.
func PersistentFlags(c *cobra.Command) *pflag.FlagSet { return c.PersistentFlags() }

// Execute runs cmd with args in env (NoEnv when nil) and fails the test unless it exits 0.
func Execute(t testing.TB, cmd *cobra.Command, args []string, env func(string) string) {
	t.Helper()
	if env == nil {
		env = NoEnv
	}
	if code := envflag.Execute(cmd, args, env); code != 0 {
		t.Fatalf("%v: exit %d", args, code)
	}
}

// README checks that the table under heading in the README at path lists exactly fs's
// flags, twins and defaults.
func README(t testing.TB, path, heading string, fs *pflag.FlagSet) {
	t.Helper()
	md, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := envflag.CheckTable(md, heading, fs); err != nil {
		t.Fatal(err)
	}
}
