// The dead-letter queue worked end to end: a record the read model refuses goes to the DLQ
// (with the later revisions of its aggregate), ops fix the cause and retry it through the
// projection, discard a record nothing can apply, and the read model ends equal to a rebuild
// from offset zero.

package stack_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
)

type listed struct {
	DeadLetters []struct {
		ID          int64  `json:"id"`
		AggregateID string `json:"aggregate_id"`
		Revision    int64  `json:"revision"`
		Kind        string `json:"error_kind"`
		Attempts    int    `json:"attempts"`
		Resolution  string `json:"resolution"`
	} `json:"dead_letters"`
	Summary []struct {
		Projection, Kind string
		Open             int `json:"open"`
	} `json:"summary"`
}

func (f *fullStack) dlqList(t *testing.T, args ...string) listed {
	t.Helper()
	out, errOut, code := f.cli(t, "", append([]string{"-o", "json", "dlq", "list"}, args...)...)
	if code != 0 {
		t.Fatalf("dlq list: %s", errOut)
	}
	var l listed
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("dlq list json: %v\n%s", err, out)
	}
	return l
}

// waitDLQ waits until list (with args) shows n open dead letters.
func (f *fullStack) waitDLQ(t *testing.T, n int, args ...string) listed {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		l := f.dlqList(t, args...)
		if len(l.DeadLetters) == n {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d open dead letters, have %+v", n, l.DeadLetters)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (f *fullStack) exec(t *testing.T, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), f.s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

func (f *fullStack) metric(t *testing.T, series string) string {
	t.Helper()
	resp, err := http.Get(f.s.ProjectorURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

func TestDeadLetterQueue(t *testing.T) {
	f := startStack(t, 3)
	t.Setenv("RECALL_SCHEMA_REGISTRY_URL", f.s.RegistryURL)
	t.Setenv("RECALL_KEK", f.s.KEK) // a retry opens sealed events, as the projector does
	victim := f.ids[0]

	// The cause: the read model refuses a first name. Revision 2 fails every attempt, and
	// revision 3 can never apply before it: both are dead-lettered, the partition goes on.
	f.exec(t, `ALTER TABLE users_v1 ADD CONSTRAINT no_poison CHECK (first_name <> 'Poison') NOT VALID`)
	f.do(t, "PATCH", "/v1/users/"+victim, `{"first_name":"Poison"}`, 200, nil)
	f.do(t, "PATCH", "/v1/users/"+victim, `{"last_name":"After"}`, 200, nil)
	f.do(t, "PATCH", "/v1/users/"+f.ids[1], `{"last_name":"Unaffected"}`, 200, nil)
	f.do(t, "GET", "/v1/users/"+f.ids[1]+"?min_revision=2&wait=10s", "", 200, nil)
	l := f.waitDLQ(t, 2, "--aggregate", victim)
	if d := l.DeadLetters; d[0].Revision != 2 || d[0].Kind != "attempts" || d[0].Attempts < 2 || d[1].Revision != 3 || d[1].Kind != "blocked" {
		t.Fatalf("dead letters: %+v", d)
	}
	if v := f.metric(t, `recall_projector_dead_letters_open{error_kind="attempts",projection="users.v1"}`); v != "1" {
		t.Fatalf("open dead letters gauge (attempts): %q", v)
	}
	first, attempts := l.DeadLetters[0].ID, l.DeadLetters[0].Attempts

	// show decodes the record and shows the projection's state: still revision 1.
	out, errOut, code := f.cli(t, "", "dlq", "show", strconv.FormatInt(first, 10))
	if code != 0 || !strings.Contains(out, "UserUpdated") || !strings.Contains(out, `"revision":1`) || !strings.Contains(out, "ce_id") {
		t.Fatalf("show: %d %s\n%s", code, errOut, out)
	}

	// Discarding revision 2 alone is refused: revision 3 depends on it.
	if _, errOut, code := f.cli(t, "", "dlq", "discard", strconv.FormatInt(first, 10), "--reason", "x", "--execute"); code == 0 || !strings.Contains(errOut, "depend") {
		t.Fatalf("discard of a depended-on record: %d %s", code, errOut)
	}
	// A retry before the fix fails again and counts the attempt; nothing is resolved.
	if _, _, code := f.cli(t, "", "dlq", "retry", "--aggregate", victim, "--execute"); code == 0 {
		t.Fatal("retry before the fix succeeded")
	}
	if l := f.dlqList(t, "--aggregate", victim); len(l.DeadLetters) != 2 || l.DeadLetters[0].Attempts != attempts+1 {
		t.Fatalf("after a failed retry: %+v", l.DeadLetters)
	}

	// The fix, then the plan (changes nothing), then the retry.
	f.exec(t, `ALTER TABLE users_v1 DROP CONSTRAINT no_poison`)
	if out, errOut, code := f.cli(t, "", "dlq", "retry", "--aggregate", victim); code != 0 || !strings.Contains(errOut, "dry run") || !strings.Contains(out, "[2 3]") {
		t.Fatalf("retry plan: %d %s\n%s", code, errOut, out)
	}
	if out, errOut, code := f.cli(t, "", "dlq", "retry", "--aggregate", victim, "--execute"); code != 0 || strings.Count(out, "applied") != 2 {
		t.Fatalf("retry: %d %s\n%s", code, errOut, out)
	}
	var u struct {
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Revision  int64  `json:"revision"`
	}
	f.do(t, "GET", "/v1/users/"+victim+"?min_revision=3&wait=10s", "", 200, &u)
	if u.FirstName != "Poison" || u.LastName != "After" || u.Revision != 3 {
		t.Fatalf("after retry: %+v", u)
	}
	// Twice is safe: nothing is open any more.
	if _, errOut, code := f.cli(t, "", "dlq", "retry", "--aggregate", victim, "--execute"); code == 0 || !strings.Contains(errOut, "no open dead letter") {
		t.Fatalf("second retry: %d %s", code, errOut)
	}
	if l := f.dlqList(t, "--all", "--aggregate", victim); l.DeadLetters[0].Resolution != "retried" || l.DeadLetters[1].Resolution != "retried" {
		t.Fatalf("after retry: %+v", l.DeadLetters)
	}

	// A record nothing can decode: dead-lettered at once, discarded with a reason. The
	// listing is printed for the runbook and the closing note.
	defer func() {
		out, _, _ := f.cli(t, "", "dlq", "list", "--all")
		t.Logf("dlq list --all:\n%s", out)
	}()
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.s.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	garbage := "00000000-0000-7000-8000-000000000001"
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "recall.user.events", Key: []byte(garbage), Value: []byte("not avro")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	// Every projection of the topic (users.v1 and welcome) dead-letters it.
	l = f.waitDLQ(t, 2, "--aggregate", garbage)
	if l.DeadLetters[0].Kind != "decode" || l.DeadLetters[1].Kind != "decode" {
		t.Fatalf("garbage: %+v", l.DeadLetters)
	}
	if _, errOut, code := f.cli(t, "", "dlq", "discard", "--aggregate", garbage, "--execute"); code == 0 || !strings.Contains(errOut, "--reason") {
		t.Fatalf("discard without a reason: %d %s", code, errOut)
	}
	if _, errOut, code := f.cli(t, "", "dlq", "discard", "--aggregate", garbage, "--reason", "test garbage", "--execute"); code != 0 {
		t.Fatalf("discard: %s", errOut)
	}
	var op string
	conn, err := pgx.Connect(context.Background(), f.s.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), `SELECT actor || ' ' || operation || ' ' || (args->>'reason') FROM ops_log
		WHERE operation = 'dlq discard' AND outcome = 'ok'`).Scan(&op); err != nil || op != "tester dlq discard test garbage" {
		t.Fatalf("ops_log: %q %v", op, err)
	}
	if open := f.dlqList(t); len(open.DeadLetters) != 0 {
		t.Fatalf("still open: %+v", open.DeadLetters)
	}
	if v := f.metric(t, `recall_projector_dead_letters_open{error_kind="attempts",projection="users.v1"}`); v != "0" {
		t.Fatalf("open dead letters gauge after retry: %q", v)
	}

	// The read model now equals a rebuild from offset zero.
	var before, after struct {
		Items []json.RawMessage `json:"items"`
	}
	f.do(t, "GET", "/v1/users?page_size=50", "", 200, &before)
	if err := f.s.StopService("projector"); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := f.cli(t, "", "projection", "reset", "users", "--yes"); code != 0 {
		t.Fatalf("reset: %s", errOut)
	}
	if err := f.s.StartService(context.Background(), "projector"); err != nil {
		t.Fatal(err)
	}
	f.do(t, "GET", "/v1/users/"+victim+"?min_revision=3&wait=10s", "", 200, nil)
	for _, id := range f.ids {
		f.do(t, "GET", "/v1/users/"+id+"?min_revision=1&wait=10s", "", 200, nil)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		f.do(t, "GET", "/v1/users?page_size=50", "", 200, &after)
		if len(after.Items) >= len(before.Items) || time.Now().After(deadline) {
			break
		}
	}
	if len(after.Items) != len(before.Items) {
		t.Fatalf("rebuilt %d rows, had %d", len(after.Items), len(before.Items))
	}
	for i := range after.Items {
		if string(after.Items[i]) != string(before.Items[i]) {
			t.Fatalf("row %d differs from the rebuild:\n%s\n%s", i, before.Items[i], after.Items[i])
		}
	}
}
