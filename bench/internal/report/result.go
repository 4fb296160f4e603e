package report

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/recall-events/recall/bench/internal/measure"
)

// Result is one harness run. Absent measurements are nil and listed in Skipped.
type Result struct {
	Profile    string                  `json:"profile"`
	Started    time.Time               `json:"started"`
	Seconds    float64                 `json:"seconds"`
	Machine    Machine                 `json:"machine"`
	Sizes      map[string]string       `json:"sizes"`
	Throughput []measure.ThroughputRow `json:"throughput,omitempty"`
	Drain      *measure.DrainResult    `json:"drain,omitempty"`
	Latency    *measure.LatencyResult  `json:"latency,omitempty"`
	Replay     *measure.ReplayResult   `json:"replay,omitempty"`
	Load       *measure.LoadResult     `json:"load,omitempty"`
	Skipped    []string                `json:"skipped,omitempty"`
}

// WriteJSON writes res, indented, to path.
func WriteJSON(path string, res Result) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
