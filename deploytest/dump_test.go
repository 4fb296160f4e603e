package deploytest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestChartDump writes the rendered manifests (defaults and all toggles on)
// under $DEPLOYTEST_DUMP, the `helm template` of this module:
//
//	DEPLOYTEST_DUMP=/tmp/recall-chart GOWORK=off go test -run TestChartDump ./...
func TestChartDump(t *testing.T) {
	dir := os.Getenv("DEPLOYTEST_DUMP")
	if dir == "" {
		t.Skip("set DEPLOYTEST_DUMP to a folder to write the rendered chart there")
	}
	for name, vals := range map[string]map[string]any{"defaults": nil, "all-toggles": allToggles()} {
		var out []byte
		for _, o := range mustRender(t, vals) {
			out = append(out, "---\n# Source: "+o.file+"\n"...)
			out = append(out, o.raw...)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
