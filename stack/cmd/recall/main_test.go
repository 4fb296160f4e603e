package main

import (
	"context"
	"io"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/envflag/envflagtest"
)

func noEnv(string) string { return "" }

func TestHelpExitsZeroAndListsEveryFlagWithItsTwin(t *testing.T) {
	cmd := command(func(context.Context, config, io.Writer) error { t.Fatal("--help started the stack"); return nil })
	envflagtest.Help(t, cmd, envflagtest.Flags)
}

func TestParsedDefaultsAreTheDocumentedOnes(t *testing.T) {
	var got config
	cmd := command(func(_ context.Context, c config, _ io.Writer) error { got = c; return nil })
	if code := envflag.Execute(cmd, nil, noEnv); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if want := defaultConfig(); !reflect.DeepEqual(got, want) {
		t.Fatalf("parsed %+v, want %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := defaultConfig()
	c.APIAddr, c.PostgresPort, c.AdminPassword = "nowhere", 0, "short"
	err := c.Validate()
	for _, want := range []string{"--api-addr", "--pg-port", "--admin-password"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}

func TestREADMETableMatchesFlags(t *testing.T) {
	envflagtest.README(t, "../../../README.md", "### recall (`make run`)", command(nil).Flags())
}

func TestBusyPortsAreAllNamedWithWhatMovesThem(t *testing.T) {
	held := map[string]string{}
	for _, name := range []string{"api", "kafka"} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		held[name] = l.Addr().String()
	}
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	c := defaultConfig()
	c.DataDir = t.TempDir()
	c.APIAddr, c.KafkaAddr = held["api"], held["kafka"]
	c.RegistryAddr, c.RelayListen, c.ProjectorListen = free(), free(), free()
	_, port, _ := net.SplitHostPort(free())
	c.PostgresPort, _ = strconv.Atoi(port)
	err := run(context.Background(), c, io.Discard)
	if err == nil {
		t.Fatal("started with two ports in use")
	}
	for _, want := range []string{held["api"], "--api-addr / RECALL_API_ADDR", held["kafka"], "--kafka-addr / RECALL_KAFKA_ADDR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if !strings.Contains(err.Error(), "e.g. make run RECALL_") {
		t.Errorf("error suggests no free ports:\n%v", err)
	}
	if strings.Contains(err.Error(), "--pg-port") {
		t.Errorf("error names a free port:\n%v", err)
	}
}
