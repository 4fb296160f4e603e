package projector_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/projector"
	"github.com/recall-events/recall/projector/internal/stacktest"
)

// Issue 12, Low (responses): with RECALL_OPS_ADDR the projector serves /metrics on the
// ops listener only; its listen address keeps the probes.
func TestMetricsOnTheOpsListener(t *testing.T) {
	st := stacktest.Start(t, stacktest.Options{Partitions: 1})
	cfg := projector.DefaultConfig()
	cfg.DatabaseURL, cfg.Brokers, cfg.RegistryURL = pgtest.Database(t), st.Brokers(), st.Registry.URL()
	cfg.KEK, cfg.WelcomeEmail = stacktest.KEK, false
	cfg.ListenAddr, cfg.OpsAddr = freeAddr(t), freeAddr(t)
	cfg.Logger = slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- projector.Run(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	get := func(addr, path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, ""
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	eventually(t, 30*time.Second, "ops /livez", func() bool { c, _ := get(cfg.OpsAddr, "/livez"); return c == 200 })
	if code, body := get(cfg.OpsAddr, "/metrics"); code != 200 || !strings.Contains(body, "recall_projector_") {
		t.Errorf("ops /metrics: %d, want 200 with the projector's metrics", code)
	}
	if code, _ := get(cfg.ListenAddr, "/metrics"); code != 404 {
		t.Errorf("listen /metrics: %d, want 404", code)
	}
	if code, _ := get(cfg.ListenAddr, "/livez"); code != 200 {
		t.Errorf("listen /livez: %d, want 200", code)
	}
}
