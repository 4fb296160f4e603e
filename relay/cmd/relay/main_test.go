package main

import (
	"context"
	"reflect"
	"testing"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/envflag/envflagtest"
	"github.com/recall-events/recall/relay"
)

func noEnv(string) string { return "" }

func TestHelpExitsZeroAndListsEveryFlagWithItsTwin(t *testing.T) {
	cmd := command(func(context.Context, relay.Config) error { t.Fatal("--help ran the relay"); return nil })
	envflagtest.Help(t, cmd, envflagtest.Flags)
}

func TestParsedDefaultsAreDefaultConfig(t *testing.T) {
	var got relay.Config
	cmd := command(func(_ context.Context, c relay.Config) error { got = c; return nil })
	if code := envflag.Execute(cmd, nil, noEnv); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if want := relay.DefaultConfig(); !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed defaults\n%+v\nwant DefaultConfig\n%+v", got, want)
	}
}

func TestREADMETableMatchesFlags(t *testing.T) {
	envflagtest.README(t, "../../../README.md", "### relay", command(nil).Flags())
}
