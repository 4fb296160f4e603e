package commandapi_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"

	commandapi "github.com/recall-events/recall/command-api"
)

func metricValue(t *testing.T, a *api, name string) float64 {
	t.Helper()
	mfs, err := a.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

func TestHealthAndMetrics(t *testing.T) {
	a := start(t, "")
	for _, probe := range []string{"/livez", "/readyz"} {
		if body := strings.TrimSpace(string(a.do("GET", probe, "", nil, nil).want(t, 200).Body)); body != `{"status":"ok"}` {
			t.Errorf("%s body %s", probe, body)
		}
	}
	a.do("GET", "/openapi.json", "", nil, nil).want(t, 200)
	id := a.createUser("grace")
	a.do("PATCH", "/v1/users/"+id, a.admin, map[string]any{"first_name": "G"}, nil).want(t, 200)
	body := string(a.do("GET", "/metrics", "", nil, nil).want(t, 200).Body)
	for _, want := range []string{
		`recall_http_request_duration_seconds_count{method="PATCH",route="/v1/users/:id",status_class="2xx"} 1`,
		`recall_commands_total{command="UpdateUser",outcome="ok"} 1`,
		`recall_commands_total{command="CreateUser",outcome="ok"} 2`,
		`recall_eventstore_append_duration_seconds_count 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if n := testutil.CollectAndCount(a.reg, "recall_commands_concurrency_conflicts_total"); n != 0 {
		t.Errorf("conflicts series %d", n)
	}
}

func TestReadyzFailsOnShutdown(t *testing.T) {
	a := start(t, "", func(c *commandapi.Config) { c.ShutdownDelay = 2 * time.Second })
	a.do("GET", "/readyz", "", nil, nil).want(t, 200)
	done := make(chan error, 1)
	go func() { done <- a.stop() }()
	deadline := time.Now().Add(time.Second)
	for {
		r := a.do("GET", "/readyz", "", nil, nil)
		if r.Status == 503 {
			// The shared ops body (package ops): which check fails, never why.
			if want := `{"status":"unavailable","checks":{"database":"ok","serving":"failing"}}`; strings.TrimSpace(string(r.Body)) != want {
				t.Fatalf("readyz body %s, want %s", r.Body, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("readyz still 200 after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	a.do("GET", "/livez", "", nil, nil).want(t, 200) // still serving during the delay
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestBootstrapAdminIsIdempotent(t *testing.T) {
	a := start(t, "")
	cfg := testConfig(a.dbURL)
	cfg.LogOutput = a.logs
	for range 2 {
		if err := commandapi.BootstrapAdmin(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE event_type = 'UserCreated'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d admins created", n)
	}
}

// No password, hash or token may appear in events, responses or logs.
func TestNoSecretsAnywhere(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	tok := a.login("grace", userPassword)
	a.do("PUT", "/v1/users/"+id+"/password", tok, map[string]any{"current_password": userPassword, "new_password": "brand-new-pw-9"},
		hdr{"Idempotency-Key": "pw"}).want(t, 200)
	a.do("PUT", "/v1/users/"+id+"/password", tok, map[string]any{"current_password": "wrong-wrong-9", "new_password": "x"}, nil)
	a.do("POST", "/v1/auth/login", "", map[string]string{"username": "grace", "password": "guess-guess-1"}, nil)
	var seen strings.Builder
	for _, r := range []resp{
		a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil),
		a.do("GET", "/v1/users/"+id+"/state", a.admin, nil, nil),
		a.do("PUT", "/v1/users/"+id+"/password", tok, map[string]any{"current_password": "brand-new-pw-9", "new_password": "brand-new-pw-9"},
			hdr{"Idempotency-Key": "pw2"}),
	} {
		seen.Write(r.Body)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var events, idem string
	if err := conn.QueryRow(ctx, `SELECT coalesce(string_agg(data::text || metadata::text, ' '), '') FROM events`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT coalesce(string_agg(convert_from(response, 'UTF8'), ' '), '') FROM idempotency_keys`).Scan(&idem); err != nil {
		t.Fatal(err)
	}
	var hashes int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM credentials WHERE hash LIKE '$argon2id$%'`).Scan(&hashes); err != nil || hashes != 2 {
		t.Fatalf("credentials: %d %v", hashes, err)
	}
	secrets := []string{adminPassword, userPassword, "brand-new-pw-9", "wrong-wrong-9", "guess-guess-1", "$argon2id", a.admin, tok}
	for where, text := range map[string]string{"events": events, "responses": seen.String(), "idempotency records": idem, "logs": a.logs.String()} {
		if s := contains(text, secrets...); s != "" {
			t.Errorf("%s contain a secret (%.12s…)", where, s)
		}
	}
	if !strings.Contains(a.logs.String(), `"msg":"http request"`) {
		t.Fatal("no access log captured")
	}
}

// freeAddr is a loopback address nothing listens on (the port is released again).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Issue 12, Low (responses): with RECALL_OPS_ADDR, /metrics is served on the ops
// listener only; the public listener keeps the API and the probes (load balancers use
// them) but answers 404 for /metrics.
func TestMetricsOnTheOpsListener(t *testing.T) {
	opsAddr := freeAddr(t)
	a := start(t, "", func(c *commandapi.Config) { c.OpsAddr = opsAddr })
	// Not through a.do: openapi.json documents /metrics as 200, the default.
	resp, err := http.Get(a.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("public /metrics: %d, want 404", resp.StatusCode)
	}
	a.do("GET", "/readyz", "", nil, nil).want(t, 200)
	a.createUser("ops-listener")
	for path, want := range map[string]string{
		"/metrics": `recall_commands_total{command="CreateUser",outcome="ok"}`, "/livez": `"ok"`, "/readyz": `"ok"`,
	} {
		resp, err := http.Get("http://" + opsAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("ops %s: %d, want 200 with %s", path, resp.StatusCode, want)
		}
	}
	resp, err = http.Get("http://" + opsAddr + "/v1/users")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("ops listener serves the API: GET /v1/users %d", resp.StatusCode)
	}
}
