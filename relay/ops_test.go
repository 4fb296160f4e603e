package relay_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// httpGet answers the status and body of GET url, 0 while nothing listens yet.
func httpGet(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// Issue 12, Low (responses): with RECALL_OPS_ADDR the relay serves /metrics on the ops
// listener only; its listen address keeps the probes.
func TestMetricsOnTheOpsListener(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	cfg.Listen, cfg.OpsAddr = freeAddr(t), freeAddr(t)
	e.startRelay(cfg)
	deadline := time.Now().Add(10 * time.Second)
	for code, _ := httpGet("http://" + cfg.OpsAddr + "/livez"); code != 200; code, _ = httpGet("http://" + cfg.OpsAddr + "/livez") {
		if time.Now().After(deadline) {
			t.Fatal("the ops listener never answered /livez")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body := httpGet("http://" + cfg.OpsAddr + "/metrics"); code != 200 || !strings.Contains(body, "recall_relay_") {
		t.Errorf("ops /metrics: %d, want 200 with the relay's metrics", code)
	}
	if code, _ := httpGet("http://" + cfg.Listen + "/metrics"); code != 404 {
		t.Errorf("listen /metrics: %d, want 404", code)
	}
	if code, _ := httpGet("http://" + cfg.Listen + "/livez"); code != 200 {
		t.Errorf("listen /livez: %d, want 200", code)
	}
}
