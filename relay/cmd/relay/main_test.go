package main

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/relay"
)

func noEnv(string) string { return "" }

func TestHelpExitsZeroAndListsEveryFlagWithItsTwin(t *testing.T) {
	cmd := command(func(context.Context, relay.Config) error { t.Fatal("--help ran the relay"); return nil })
	var out bytes.Buffer
	cmd.SetOut(&out)
	if code := envflag.Execute(cmd, []string{"--help"}, noEnv); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	if unbound := envflag.Unbound(cmd.Flags()); len(unbound) > 0 {
		t.Errorf("flags without an env twin: %v", unbound)
	}
	for _, r := range envflag.Rows(cmd.Flags()) {
		if !strings.Contains(out.String(), r.Flag+" ") || !strings.Contains(out.String(), "(env "+r.Env+")") {
			t.Errorf("usage lacks %s or its twin %s", r.Flag, r.Env)
		}
	}
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
	md, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := envflag.CheckTable(md, "### relay", command(nil).Flags()); err != nil {
		t.Fatal(err)
	}
}
