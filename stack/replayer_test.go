// End-to-end tests of the replayer's projection commands against the whole running system.

package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/replayer/cli"
	"github.com/recall-events/recall/stack"
)

// fullStack runs the whole system with users created through the API and projected.
type fullStack struct {
	s     *stack.Stack
	token string
	ids   []string
}

func startStack(t *testing.T, users int) *fullStack {
	t.Helper()
	s, err := stack.Start(context.Background(), stack.Options{Ephemeral: true, Logs: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	f := &fullStack{s: s}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	f.do(t, "POST", "/v1/auth/login", `{"username":"admin","password":"recall-admin"}`, 200, &tok)
	f.token = tok.AccessToken
	for i := 0; i < users; i++ {
		var w struct{ ID string }
		f.do(t, "POST", "/v1/users", fmt.Sprintf(`{"username":"user%02d","email":"user%02d@example.com",
			"first_name":"First%d","last_name":"Last%d","password":"correct horse battery"}`, i, i, i, i), 201, &w)
		f.ids = append(f.ids, w.ID)
	}
	for _, id := range f.ids {
		f.do(t, "GET", "/v1/users/"+id+"?min_revision=1&wait=10s", "", 200, nil)
	}
	return f
}

func (f *fullStack) request(method, path, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, f.s.APIURL+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if f.token != "" {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (f *fullStack) do(t *testing.T, method, path, body string, want int, out any) {
	t.Helper()
	code, b, err := f.request(method, path, body)
	if err != nil || code != want {
		t.Fatalf("%s %s: %d %v: %s", method, path, code, err, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fullStack) cli(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"--brokers", strings.Join(f.s.Brokers, ","), "--database-url", f.s.DatabaseURL, "--actor", "tester"}, args...)
	code := cli.ExecuteWithInput(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

func (f *fullStack) tables(t *testing.T) string {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), f.s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var names string
	if err := conn.QueryRow(context.Background(), `SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '')
		FROM pg_tables WHERE tablename LIKE 'users_v%'`).Scan(&names); err != nil {
		t.Fatal(err)
	}
	return names
}

type versionStatus struct {
	Version int    `json:"Version"`
	State   string `json:"State"`
	Lag     int64  `json:"lag"`
}

func (f *fullStack) status(t *testing.T) map[int]versionStatus {
	t.Helper()
	out, errOut, code := f.cli(t, "", "-o", "json", "projection", "status", "users")
	if code != 0 {
		t.Fatalf("status: %s", errOut)
	}
	var list []versionStatus
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("status json: %v\n%s", err, out)
	}
	m := map[int]versionStatus{}
	for _, v := range list {
		m[v.Version] = v
	}
	return m
}

// A blue/green rebuild: v2 (a changed read model: a new column) is built from offset zero
// while v1 serves, promoted with queries running — none fails — and v1 is retired.
func TestBlueGreenRebuild(t *testing.T) {
	f := startStack(t, 20)
	if _, errOut, code := f.cli(t, "", "projection", "rebuild", "users"); code != 0 || !strings.Contains(errOut, "users v2 is building") {
		t.Fatalf("rebuild: %d %s", code, errOut)
	}
	deadline := time.Now().Add(60 * time.Second)
	for v2 := f.status(t)[2]; v2.State != "building" || v2.Lag != 0; v2 = f.status(t)[2] {
		if time.Now().After(deadline) {
			t.Fatalf("v2 never caught up: %+v", v2)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Caught up is not enough: a version that left records in its DLQ lacks them, and
	// promote refuses it until they are retried or discarded (found by an outside review:
	// a version with a bug that dead-letters records reaches lag 0 all the same).
	f.exec(t, `INSERT INTO projector_dead_letters (projection, topic, partition, record_offset, aggregate_id, revision, error, error_kind)
VALUES ('users.v2', 'recall.user.events', 0, 999999, '`+f.ids[0]+`', 1, 'users: apply batch: a bug in v2', 'apply')`)
	if _, errOut, code := f.cli(t, "", "projection", "promote", "users", "--version", "2"); code == 0 || !strings.Contains(errOut, "1 open dead letter") {
		t.Fatalf("promote with an open dead letter: exit %d, %s", code, errOut)
	}
	f.exec(t, `UPDATE projector_dead_letters SET resolved_at = now(), resolution = 'discarded', resolved_by = 'test' WHERE record_offset = 999999`)

	// Queries run throughout the switch; every one must succeed.
	var failures, served atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := "/v1/users/" + f.ids[(w+i)%len(f.ids)]
				if i%3 == 0 {
					path = "/v1/users?username=user&page_size=5"
				}
				if code, b, err := f.request("GET", path, ""); err != nil || code != 200 {
					failures.Add(1)
					t.Errorf("GET %s during switch: %d %v %s", path, code, err, b)
				}
				served.Add(1)
			}
		}(w)
	}
	time.Sleep(300 * time.Millisecond)
	_, errOut, code := f.cli(t, "", "projection", "promote", "users", "--version", "2")
	if code != 0 {
		t.Fatalf("promote: %s", errOut)
	}
	time.Sleep(1500 * time.Millisecond) // the read side re-reads the live version every second
	close(stop)
	wg.Wait()
	if failures.Load() != 0 || served.Load() < 20 {
		t.Fatalf("%d of %d queries failed during the switch", failures.Load(), served.Load())
	}
	st := f.status(t)
	if st[1].State != "retired" || st[2].State != "live" {
		t.Fatalf("after promote: %+v", st)
	}
	// New writes reach v2, the version now served.
	f.do(t, "PATCH", "/v1/users/"+f.ids[0], `{"first_name":"Changed"}`, 200, nil)
	var u struct {
		FirstName string `json:"first_name"`
	}
	f.do(t, "GET", "/v1/users/"+f.ids[0]+"?min_revision=2&wait=10s", "", 200, &u)
	if u.FirstName != "Changed" {
		t.Fatalf("v2 did not apply a new write: %+v", u)
	}

	if _, errOut, code := f.cli(t, "", "projection", "retire", "users", "--version", "1", "--wait", "30s"); code != 0 {
		t.Fatalf("retire: %s", errOut)
	}
	if got := f.tables(t); got != "users_v2" {
		t.Fatalf("tables after retire: %q", got)
	}
	// The projector exports nothing for the retired version (its lag stayed frozen once).
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		metrics := get(t, f.s.ProjectorURL+"/metrics")
		if !strings.Contains(metrics, `projection="users.v1"`) && strings.Contains(metrics, `projection="users.v2"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("projector still exports users.v1 (or not users.v2):\n%s", grepLines(metrics, `projection="users.v1"`))
		}
	}
	// The live version cannot be retired, and this build knows no v3.
	if _, errOut, code := f.cli(t, "", "projection", "retire", "users", "--version", "2"); code == 0 || !strings.Contains(errOut, "is live") {
		t.Fatalf("retiring the live version: %d %s", code, errOut)
	}
	if _, errOut, code := f.cli(t, "", "projection", "rebuild", "users"); code == 0 || !strings.Contains(errOut, "knows no such version") {
		t.Fatalf("rebuild to an unknown version: %d %s", code, errOut)
	}
}

// An in-place reset refuses while the projector runs; with it stopped, it rewinds the group
// and empties the table, and the restarted projector rebuilds the same read model.
func TestInPlaceReset(t *testing.T) {
	f := startStack(t, 5)
	var before struct {
		Items []json.RawMessage `json:"items"`
	}
	f.do(t, "GET", "/v1/users?page_size=50", "", 200, &before)

	if _, errOut, code := f.cli(t, "", "projection", "reset", "users", "--yes"); code == 0 || !strings.Contains(errOut, "active member") {
		t.Fatalf("reset with the projector running: %d %s", code, errOut)
	}
	if err := f.s.StopService("projector"); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := f.cli(t, "no\n", "projection", "reset", "users"); code == 0 || !strings.Contains(errOut, "not confirmed") {
		t.Fatalf("unconfirmed reset: %d %s", code, errOut)
	}
	if _, errOut, code := f.cli(t, "users\n", "projection", "reset", "users"); code != 0 {
		t.Fatalf("reset: %s", errOut)
	}
	var empty struct {
		Items []json.RawMessage `json:"items"`
	}
	f.do(t, "GET", "/v1/users?page_size=50", "", 200, &empty)
	if len(empty.Items) != 0 {
		t.Fatalf("read model not emptied: %d rows", len(empty.Items))
	}
	if err := f.s.StartService(context.Background(), "projector"); err != nil {
		t.Fatal(err)
	}
	// Every row the list held before, the admin's included (created at start, not by
	// startStack), must be back at its revision before the lists can be compared.
	for _, raw := range before.Items {
		var row struct {
			ID       string `json:"id"`
			Revision int64  `json:"revision"`
		}
		if err := json.Unmarshal(raw, &row); err != nil {
			t.Fatal(err)
		}
		f.do(t, "GET", fmt.Sprintf("/v1/users/%s?min_revision=%d&wait=10s", row.ID, row.Revision), "", 200, nil)
	}
	var after struct {
		Items []json.RawMessage `json:"items"`
	}
	f.do(t, "GET", "/v1/users?page_size=50", "", 200, &after)
	if len(after.Items) != len(before.Items) {
		t.Fatalf("rebuilt %d rows, had %d", len(after.Items), len(before.Items))
	}
	for i := range after.Items {
		if string(after.Items[i]) != string(before.Items[i]) {
			t.Fatalf("row %d differs after rebuild:\n%s\n%s", i, before.Items[i], after.Items[i])
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
