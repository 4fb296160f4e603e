package main

import (
	"context"
	"math"
	"reflect"
	"runtime/debug"
	"testing"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/envflag/envflagtest"
	"github.com/recall-events/recall/projector"
)

func noEnv(string) string { return "" }

func TestHelpExitsZeroAndListsEveryFlagWithItsTwin(t *testing.T) {
	cmd := command(func(context.Context, projector.Config) error { t.Fatal("--help ran the projector"); return nil })
	envflagtest.Help(t, cmd, envflagtest.Flags)
}

func TestParsedDefaultsAreDefaultConfig(t *testing.T) {
	var got projector.Config
	cmd := command(func(_ context.Context, c projector.Config) error { got = c; return nil })
	if code := envflag.Execute(cmd, nil, noEnv); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if want := projector.DefaultConfig(); !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed defaults\n%+v\nwant DefaultConfig\n%+v", got, want)
	}
}

func TestREADMETableMatchesFlags(t *testing.T) {
	envflagtest.README(t, "../../../README.md", "### projector", command(nil).Flags())
}

func TestEnvironmentOverDefaults(t *testing.T) {
	var got projector.Config
	cmd := command(func(_ context.Context, c projector.Config) error { got = c; return nil })
	env := map[string]string{"RECALL_PROJECTOR_LISTEN": "0.0.0.0:9102", "RECALL_SMTP_PASSWORD": "s3cret", "RECALL_KAFKA_BROKERS": "a:1,b:2"}
	if code := envflag.Execute(cmd, []string{"--topic", "t"}, func(k string) string { return env[k] }); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got.ListenAddr != "0.0.0.0:9102" || got.SMTPPassword != "s3cret" || len(got.Brokers) != 2 || got.Topic != "t" {
		t.Fatalf("%+v", got)
	}
}

// The projector bounds its heap by default (replays held 267–504 MiB without a limit),
// and GOMEMLIMIT in the environment wins.
func TestDefaultMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	debug.SetMemoryLimit(math.MaxInt64)
	limitMemory(func(string) string { return "1GiB" })
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("with GOMEMLIMIT set: limit %d, want the runtime's", got)
	}
	limitMemory(func(string) string { return "" })
	if got := debug.SetMemoryLimit(-1); got != memoryLimit {
		t.Fatalf("without GOMEMLIMIT: limit %d, want %d", got, memoryLimit)
	}
}
