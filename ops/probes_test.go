package ops_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recall-events/recall/ops"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if ct := rec.Header().Get("Content-Type"); path != "/metrics" && ct != "application/json" {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
	return rec.Code, rec.Body.String()
}

func TestProbeBodies(t *testing.T) {
	secret := errors.New("dial tcp 10.0.0.7:5432: password authentication failed for user recall")
	var logs bytes.Buffer
	failing := true
	p := ops.Probes{
		Gatherer: prometheus.NewRegistry(),
		Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
		Checks: []ops.Check{
			{Name: "database", Func: func(context.Context) error {
				if failing {
					return secret
				}
				return nil
			}},
			{Name: "streaming", Func: func(context.Context) error { return nil }},
		},
	}
	h := p.Handler()
	if code, body := get(t, h, "/livez"); code != 200 || body != `{"status":"ok"}`+"\n" {
		t.Errorf("livez %d %q", code, body)
	}
	code, body := get(t, h, "/readyz")
	if want := `{"status":"unavailable","checks":{"database":"failing","streaming":"ok"}}` + "\n"; code != 503 || body != want {
		t.Errorf("readyz %d %q, want 503 %q", code, body, want)
	}
	if strings.Contains(body, "password") || strings.Contains(body, "10.0.0.7") {
		t.Errorf("readyz leaks the error: %s", body)
	}
	if !strings.Contains(logs.String(), "password authentication failed") || !strings.Contains(logs.String(), "check=database") {
		t.Errorf("the failure is not logged: %q", logs.String())
	}
	failing = false
	if code, body := get(t, h, "/readyz"); code != 200 || body != `{"status":"ok"}`+"\n" {
		t.Errorf("readyz %d %q", code, body)
	}
	if code, _ := get(t, h, "/metrics"); code != 200 {
		t.Errorf("metrics %d", code)
	}
}

func TestReadyzTimesOut(t *testing.T) {
	p := ops.Probes{Timeout: 20 * time.Millisecond, Checks: []ops.Check{{Name: "slow", Func: func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}}}}
	if code, body := get(t, p.Handler(), "/readyz"); code != 503 || !strings.Contains(body, `"slow":"failing"`) {
		t.Errorf("readyz %d %q", code, body)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ops.Serve(ctx, ln, ops.Probes{}.Handler(), ops.ServeOptions{}) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/livez")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"status":"ok"}`+"\n" {
		t.Errorf("livez %d %q", resp.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

func TestServeReportsAFailedServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := ops.Serve(context.Background(), ln, ops.Probes{}.Handler(), ops.ServeOptions{}); err == nil {
		t.Fatal("Serve on a closed listener returned nil")
	}
}
