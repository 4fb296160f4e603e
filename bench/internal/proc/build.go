package proc

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
)

// Binary names a command to build: its import path and the file name to give it.
type Binary struct {
	Name       string
	ImportPath string
}

// The services this harness runs as processes.
var (
	Relay     = Binary{Name: "relay", ImportPath: "github.com/recall-events/recall/relay/cmd/relay"}
	Projector = Binary{Name: "projector", ImportPath: "github.com/recall-events/recall/projector/cmd/projector"}
	// Kafka is the devstack broker as a process, for drills that SIGKILL it.
	Kafka = Binary{Name: "kafkad", ImportPath: "github.com/recall-events/recall/bench/internal/rig/kafkad"}
)

// Build compiles each binary into dir, concurrently, with the go command of PATH run in
// the current directory: inside the bench module its replace lines (or a workspace that
// lists it) resolve the sibling modules. It returns name → path. Without -race, on
// purpose: the processes are measured, and the race detector would multiply their memory.
func Build(ctx context.Context, dir string, bins ...Binary) (map[string]string, error) {
	out := make(map[string]string, len(bins))
	errs := make([]error, len(bins))
	var wg sync.WaitGroup
	for i, b := range bins {
		path := filepath.Join(dir, b.Name)
		out[b.Name] = path
		wg.Go(func() {
			cmd := exec.CommandContext(ctx, "go", "build", "-o", path, b.ImportPath)
			if msg, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("proc: go build %s: %w\n%s", b.ImportPath, err, msg)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
