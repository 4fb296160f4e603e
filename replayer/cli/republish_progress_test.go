package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/recall-events/recall/replayer/republish"
)

// Execute reports the last batch and then the job's end; when the last event sits at the
// plan's last position the two are the same line, which used to be printed twice.
func TestProgressPrinterPrintsTheLastLineOnce(t *testing.T) {
	var out strings.Builder
	report := progressPrinter(&out, time.Hour)
	report(republish.Progress{Events: 3, Planned: 6, Position: 3})                 // first: printed
	report(republish.Progress{Events: 5, Planned: 6, Position: 5})                 // within the tick: not
	report(republish.Progress{Events: 6, Planned: 6, Position: 6, Finished: true}) // last batch
	report(republish.Progress{Events: 6, Planned: 6, Position: 6, Finished: true}) // job end: same line
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "republished 3/6 ") || !strings.HasPrefix(lines[1], "republished 6/6 ") {
		t.Fatalf("printed:\n%s", out.String())
	}
}

// When the plan ends past the last event, the job's end moves the position: printed.
func TestProgressPrinterPrintsAMovedEnd(t *testing.T) {
	var out strings.Builder
	report := progressPrinter(&out, time.Hour)
	report(republish.Progress{Events: 6, Planned: 6, Position: 6})
	report(republish.Progress{Events: 6, Planned: 6, Position: 8, Finished: true})
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Fatalf("printed %d lines, want 2:\n%s", n, out.String())
	}
}
