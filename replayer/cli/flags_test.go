package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/recall-events/recall/ops/envflag"
)

func TestHelpExitsZeroAndListsTheGlobalFlagsWithTheirTwins(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Execute(context.Background(), []string{"--help"}, &out, &errOut); code != 0 {
		t.Fatalf("--help exit %d: %s", code, errOut.String())
	}
	root := newRoot(&out, &errOut)
	if unbound := envflag.Unbound(root.PersistentFlags()); len(unbound) > 0 {
		t.Errorf("global flags without an env twin: %v", unbound)
	}
	for _, r := range envflag.Rows(root.PersistentFlags()) {
		if !strings.Contains(out.String(), r.Flag+" ") || !strings.Contains(out.String(), "(env "+r.Env+")") {
			t.Errorf("usage lacks %s or its twin %s", r.Flag, r.Env)
		}
	}
}

func TestREADMETableMatchesFlags(t *testing.T) {
	md, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	root := newRoot(&bytes.Buffer{}, &bytes.Buffer{})
	if err := envflag.CheckTable(md, "### replayer", root.PersistentFlags()); err != nil {
		t.Fatal(err)
	}
	rp, _, err := root.Find([]string{"republish"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"schema-registry-url", "topic-prefix", "source"} {
		if f := rp.Flags().Lookup(name); f == nil || envflag.Env(f) == "" {
			t.Errorf("republish --%s has no env twin", name)
		}
	}
}
