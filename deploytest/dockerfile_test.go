package deploytest

import (
	"bufio"
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dockerfile is the Dockerfile as instructions: continuation lines joined,
// comments dropped, ARG defaults kept for substitution in FROM lines.
type dockerfile struct {
	instructions [][2]string // keyword (upper case), rest
	args         map[string]string
}

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	df := dockerfile{args: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, filepath.Join(root, "Dockerfile"))))
	var cur strings.Builder
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if s, ok := strings.CutSuffix(line, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		kw, rest, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		cur.Reset()
		kw = strings.ToUpper(kw)
		df.instructions = append(df.instructions, [2]string{kw, strings.TrimSpace(rest)})
		if kw == "ARG" {
			if k, v, ok := strings.Cut(rest, "="); ok {
				if _, seen := df.args[k]; !seen {
					df.args[k] = v
				}
			}
		}
	}
	return df
}

// stages returns the image of each FROM, with ${ARG} defaults expanded.
func (df dockerfile) stages() []string {
	var out []string
	for _, in := range df.instructions {
		if in[0] != "FROM" {
			continue
		}
		img, _, _ := strings.Cut(in[1], " ")
		for k, v := range df.args {
			img = strings.ReplaceAll(img, "${"+k+"}", v)
		}
		out = append(out, img)
	}
	return out
}

// imageBinaries are the binaries the Dockerfile builds (its `for bin in …` loop).
func (df dockerfile) imageBinaries(t *testing.T) []string {
	t.Helper()
	loop := regexp.MustCompile(`for bin in ([a-z -]+);`)
	for _, in := range df.instructions {
		if m := loop.FindStringSubmatch(in[1]); in[0] == "RUN" && m != nil {
			return strings.Fields(m[1])
		}
	}
	t.Fatal("Dockerfile: no `for bin in …;` build loop")
	return nil
}

func TestDockerfile(t *testing.T) {
	df := parseDockerfile(t)
	stages := df.stages()
	if len(stages) < 2 {
		t.Fatalf("FROM %v: want a multi-stage build", stages)
	}
	// The builder's Go is the workspace's.
	goVersion := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(readFile(t, filepath.Join(root, "go.work")))
	if goVersion == nil || !strings.HasPrefix(stages[0], "golang:"+string(goVersion[1])) {
		t.Errorf("builder %s, want golang:%s (go.work)", stages[0], goVersion[1])
	}
	final := stages[len(stages)-1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("final stage %s, want distroless/static or scratch", final)
	}
	var user, cgo, run string
	for _, in := range df.instructions {
		switch in[0] {
		case "USER":
			user = in[1]
		case "ENV":
			if strings.Contains(in[1], "CGO_ENABLED=0") {
				cgo = in[1]
			}
		case "RUN":
			run += in[1]
		}
	}
	if user == "" || user == "root" || strings.HasPrefix(user, "0") {
		t.Errorf("USER %q: the image must run as a non-root user", user)
	}
	if cgo == "" {
		t.Error("CGO_ENABLED=0 is not set: binaries would not be static")
	}
	if !strings.Contains(run, "GOWORK=off") {
		t.Error("modules are not built with GOWORK=off (go.work may list modules outside the build context)")
	}
	bins := df.imageBinaries(t)
	if got := sortedKeys(binaries); !slices.Equal(slices.Sorted(slices.Values(bins)), got) {
		t.Errorf("Dockerfile builds %v, want %v", bins, got)
	}
	for _, b := range bins {
		if !exists(filepath.Join(root, b, "cmd", b, "main.go")) {
			t.Errorf("Dockerfile builds %s/cmd/%s, which has no main.go", b, b)
		}
	}
}

// TestDockerignoreKeepsTheBuildInputs: the context keeps go.work and every
// module the binaries need.
func TestDockerignoreKeepsTheBuildInputs(t *testing.T) {
	ignored := map[string]bool{}
	for _, line := range strings.Split(string(readFile(t, filepath.Join(root, ".dockerignore"))), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			ignored[line] = true
		}
	}
	for _, need := range []string{"go.work", "go.work.sum", "schemas", "eventstore", "command-api", "relay", "projector", "replayer"} {
		if ignored[need] || ignored[need+"/"] {
			t.Errorf(".dockerignore drops %s, which the build needs", need)
		}
	}
	for _, keepOut := range []string{".git", ".data"} {
		if !ignored[keepOut] {
			t.Errorf(".dockerignore keeps %s in the build context", keepOut)
		}
	}
}
