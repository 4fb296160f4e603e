package envflagtest_test

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/envflag/envflagtest"
)

// recorder is a testing.TB that records failures instead of failing, so the checks can
// be shown to fail.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true }
func (r *recorder) Helper()               {}

func newCommand(twin bool) *cobra.Command {
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	var v string
	cmd.Flags().StringVar(&v, "listen", "127.0.0.1:1", "where to listen")
	if twin {
		envflag.Bind(cmd.Flags(), "listen", "X_LISTEN")
	}
	return cmd
}

func TestHelpPassesAndFails(t *testing.T) {
	envflagtest.Help(t, newCommand(true), envflagtest.Flags)
	r := &recorder{TB: t}
	envflagtest.Help(r, newCommand(false), envflagtest.Flags)
	if !r.failed {
		t.Fatal("a flag without an env twin passed")
	}
}
