package deploytest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recallPrefix is the path prefix of every Recall module.
const recallPrefix = "github.com/recall-events/recall/"

// modGraph is each Recall module's Recall dependencies, from its go.mod's require and
// replace lines: a replace counts as an edge too, since it is what makes a requirement
// of a sibling resolvable (README, Layout: no module requires one that requires it
// back, not even for tests).
type modGraph map[string][]string

// readModGraph reads every go.mod below dir (one level deep, as the workspace is laid
// out).
func readModGraph(t *testing.T, dir string) modGraph {
	t.Helper()
	mods, err := filepath.Glob(filepath.Join(dir, "*", "go.mod"))
	if err != nil || len(mods) == 0 {
		t.Fatalf("no go.mod below %s: %v", dir, err)
	}
	g := modGraph{}
	for _, m := range mods {
		out, err := exec.Command("go", "mod", "edit", "-json", m).Output()
		if err != nil {
			t.Fatalf("go mod edit -json %s: %v", m, err)
		}
		var f struct {
			Module  struct{ Path string }
			Require []struct{ Path string }
			Replace []struct{ Old struct{ Path string } }
		}
		if err := json.Unmarshal(out, &f); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		name := strings.TrimPrefix(f.Module.Path, recallPrefix)
		var deps []string
		add := func(p string) {
			if d, ok := strings.CutPrefix(p, recallPrefix); ok && !slices.Contains(deps, d) {
				deps = append(deps, d)
			}
		}
		for _, r := range f.Require {
			add(r.Path)
		}
		for _, r := range f.Replace {
			add(r.Old.Path)
		}
		slices.Sort(deps)
		g[name] = deps
	}
	return g
}

// cycle returns a path m0 → … → m0 when the graph has one, nil when it is a DAG.
func (g modGraph) cycle() []string {
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(string) []string
	visit = func(m string) []string {
		state[m] = open
		path = append(path, m)
		for _, d := range g[m] {
			switch state[d] {
			case open:
				i := slices.Index(path, d)
				return append(slices.Clone(path[i:]), d)
			case unseen:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[m] = done
		return nil
	}
	names := make([]string, 0, len(g))
	for m := range g {
		names = append(names, m)
	}
	slices.Sort(names)
	for _, m := range names {
		if state[m] == unseen {
			if c := visit(m); c != nil {
				return c
			}
		}
	}
	return nil
}

func TestModuleGraphIsADAG(t *testing.T) {
	g := readModGraph(t, root)
	if c := g.cycle(); c != nil {
		t.Fatalf("modules require each other in a circle: %s", strings.Join(c, " → "))
	}
	// devstack, the test infrastructure, imports no Recall module; the leaves the flow
	// rests on import none but devstack, for their tests.
	if deps := g["devstack"]; len(deps) > 0 {
		t.Errorf("devstack must be a leaf, but requires %v", deps)
	}
	for _, leaf := range []string{"schemas", "pgmigrate"} {
		for _, d := range g[leaf] {
			if d != "devstack" {
				t.Errorf("%s must be a leaf, but requires %s", leaf, d)
			}
		}
	}
	// The read-model contract needs only the migration runner (and devstack for its
	// tests): both sides of it, projector and command-api, import it, not each other.
	for _, d := range g["readmodel"] {
		if d != "pgmigrate" && d != "devstack" {
			t.Errorf("readmodel must stay a leaf contract, but requires %s", d)
		}
	}
	for _, d := range g["command-api"] {
		if d == "projector" || d == "relay" || d == "stack" {
			t.Errorf("command-api requires %s: it reads the read models through readmodel only", d)
		}
	}
	// The composition of make run sits on top: only the benchmark harness, which
	// measures that composition, may require it.
	for m, deps := range g {
		if slices.Contains(deps, "stack") && m != "bench" {
			t.Errorf("%s requires stack, the top of the graph", m)
		}
	}
}

// TestCommandAPIDoesNotListFranzGo: the API reads no Kafka; a franz-go line in its go.mod
// means a Kafka-side package crept into its (test) imports.
func TestCommandAPIDoesNotListFranzGo(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "command-api", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && (f[0] == "github.com/twmb/franz-go" || strings.HasPrefix(f[0], "github.com/twmb/franz-go/pkg/kfake") ||
			strings.HasPrefix(f[0], "github.com/twmb/franz-go/pkg/kadm")) {
			t.Errorf("command-api/go.mod lists %s", f[0])
		}
	}
}

// TestCycleCheckFindsCycles: the check above can fail.
func TestCycleCheckFindsCycles(t *testing.T) {
	for _, tc := range []struct {
		g    modGraph
		want bool
	}{
		{modGraph{"a": {"b"}, "b": {"c"}, "c": nil}, false},
		{modGraph{"a": {"b"}, "b": {"a"}}, true},
		{modGraph{"devstack": {"command-api"}, "command-api": {"devstack"}}, true},
		{modGraph{"a": {"b", "c"}, "b": {"c"}, "c": {"d"}, "d": {"b"}}, true},
		{modGraph{"a": {"a"}}, true},
	} {
		if got := tc.g.cycle() != nil; got != tc.want {
			t.Errorf("%v: cycle = %v, want %v", tc.g, got, tc.want)
		}
	}
}
