package main

import (
	"context"
	"reflect"
	"testing"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/envflag/envflagtest"
)

func noEnv(string) string { return "" }

func must(t *testing.T) func(context.Context, commandapi.Config) error {
	return func(context.Context, commandapi.Config) error { t.Fatal("--help ran command-api"); return nil }
}

func noRecover(t *testing.T) func(context.Context, commandapi.Config, string, string) error {
	return func(context.Context, commandapi.Config, string, string) error {
		t.Fatal("recover-admin ran")
		return nil
	}
}

func TestHelpExitsZeroAndListsEveryFlagWithItsTwin(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"bootstrap-admin", "--help"}, {"recover-admin", "--help"}} {
		envflagtest.Help(t, command(must(t), must(t), noRecover(t)), envflagtest.PersistentFlags, args...)
	}
}

// The binary's defaults are DefaultConfig's, the documented ones: RECALL_DB_MAX_CONNS
// once defaulted to 0 here while DefaultConfig (and the README) said 32.
func TestParsedDefaultsAreDefaultConfig(t *testing.T) {
	for _, args := range [][]string{nil, {"bootstrap-admin"}} {
		var got commandapi.Config
		capture := func(_ context.Context, c commandapi.Config) error { got = c; return nil }
		if code := envflag.Execute(command(capture, capture, noRecover(t)), args, noEnv); code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		if want := commandapi.DefaultConfig(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%v: parsed defaults\n%+v\nwant DefaultConfig\n%+v", args, got, want)
		}
		if got.MaxConns != 32 {
			t.Fatalf("pool size %d, documented 32", got.MaxConns)
		}
	}
}

func TestEnvironmentReachesTheSubcommand(t *testing.T) {
	var got commandapi.Config
	capture := func(_ context.Context, c commandapi.Config) error { got = c; return nil }
	env := map[string]string{"RECALL_ADMIN_PASSWORD": "from-env-123", "RECALL_DB_ROLE": "NONE", "RECALL_DB_MAX_CONNS": "8"}
	if code := envflag.Execute(command(capture, capture, noRecover(t)), []string{"bootstrap-admin", "--admin-username", "root"}, func(k string) string { return env[k] }); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got.AdminPassword != "from-env-123" || got.AdminUsername != "root" || got.DBRole != "" || got.MaxConns != 8 {
		t.Fatalf("%+v", got)
	}
}

func TestREADMETableMatchesFlags(t *testing.T) {
	envflagtest.README(t, "../../../README.md", "### command-api", command(nil, nil, nil).PersistentFlags())
}

func TestRecoverAdminTakesUsernameAndReason(t *testing.T) {
	var user, why string
	var cfg commandapi.Config
	rec := func(_ context.Context, c commandapi.Config, u, r string) error { cfg, user, why = c, u, r; return nil }
	env := map[string]string{"DATABASE_URL": "postgres://ops@db/recall"}
	if code := envflag.Execute(command(must(t), must(t), rec), []string{"recover-admin", "ada", "last admin left", "--db-role", "none"},
		func(k string) string { return env[k] }); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if user != "ada" || why != "last admin left" || cfg.DatabaseURL != env["DATABASE_URL"] || cfg.DBRole != "" {
		t.Fatalf("%q %q %+v", user, why, cfg)
	}
	if code := envflag.Execute(command(must(t), must(t), noRecover(t)), []string{"recover-admin", "ada"}, noEnv); code == 0 {
		t.Fatal("recover-admin without a reason ran")
	}
}
