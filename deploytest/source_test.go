package deploytest

import (
	"os"
	"path/filepath"
	"testing"
)

func writeGo(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m_test.go"), []byte("package m\nconst x = \"RECALL_ONLY_IN_TESTS\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMetricNamesFindsEveryStyle(t *testing.T) {
	dir := writeGo(t, `package m
import "github.com/prometheus/client_golang/prometheus"
const ns = "recall"
const sub = "relay"
var (
	a = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: "http", Name: "requests_total"}, nil)
	b = prometheus.NewGauge(prometheus.GaugeOpts{Name: "recall_relay_connected"})
	c = prometheus.NewDesc(prometheus.BuildFQName(ns, sub, "slot_lag_bytes"), "h", nil, nil)
	d = prometheus.NewDesc("recall_plain_desc", "h", nil, nil)
	e = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: sub + "_seconds"})
)
`)
	got, err := metricNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"recall_http_requests_total", "recall_relay_connected", "recall_relay_slot_lag_bytes", "recall_plain_desc", "recall_relay_seconds"} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, sortedKeys(got))
		}
	}
}

func TestEnvNamesReadsLiteralsNotComments(t *testing.T) {
	dir := writeGo(t, "package m\n// RECALL_IN_A_COMMENT\ntype C struct{ A string `env:\"RECALL_TAGGED\"` }\nvar u = \"DATABASE_URL\"\nvar p = \"x RECALL_IN_HELP text\"\n")
	got, err := envNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RECALL_TAGGED", "DATABASE_URL", "RECALL_IN_HELP"} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, sortedKeys(got))
		}
	}
	for _, no := range []string{"RECALL_IN_A_COMMENT", "RECALL_ONLY_IN_TESTS"} {
		if got[no] {
			t.Errorf("%s counted", no)
		}
	}
}

// TestServicesRegisterMetrics logs what the scanner finds in the real source,
// and fails if it finds nothing (a broken scanner would make the dashboard
// test fail for the wrong reason).
func TestServicesRegisterMetrics(t *testing.T) {
	got := registeredMetrics(t)
	if len(got) == 0 {
		t.Fatal("no metrics found in the services' source")
	}
	t.Logf("registered: %v", sortedKeys(got))
	for bin, names := range binaryEnv(t) {
		t.Logf("%s reads: %v", bin, sortedKeys(names))
	}
}
