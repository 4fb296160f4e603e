package projector_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
)

// buildBinary builds cmd/projector once per test binary.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "projector-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "projector")
	out, err := exec.Command("go", "build", "-o", bin, "./cmd/projector").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// proc is a projector subprocess.
type proc struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	addr   string
	done   chan struct{}
	err    error // valid after done
}

func (p *proc) wait() error {
	<-p.done
	return p.err
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startProc(t *testing.T, url string, st *stacktest.Stack) *proc {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{stderr: &bytes.Buffer{}, addr: freeAddr(t), done: make(chan struct{})}
	p.cmd = exec.Command(bin)
	p.cmd.Env = append(os.Environ(),
		"DATABASE_URL="+url,
		"RECALL_KAFKA_BROKERS="+strings.Join(st.Brokers(), ","),
		"RECALL_SCHEMA_REGISTRY_URL="+st.Registry.URL(),
		"RECALL_LISTEN_ADDR="+p.addr,
		"RECALL_WELCOME_EMAIL=false",
		// The production session timeout (45 s): the restart must not wait for it.
		"RECALL_PROJECTOR_INSTANCE_ID=projector-test-0",
		"RECALL_KEK="+stacktest.KEK,
	)
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		_ = p.wait()
		if t.Failed() {
			t.Logf("projector stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

func (p *proc) get(path string) int {
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func count(t *testing.T, pool *pgxpool.Pool, q string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
		return -1
	}
	return n
}

func snapshot(t *testing.T, pool *pgxpool.Pool, table string) []string {
	t.Helper()
	return stacktest.Rows(t, pool, table)
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// stream produces each user's history in order, users interleaved, a few
// records at a time, so the projector sees a moving stream.
func stream(t *testing.T, st *stacktest.Stack, cl *kgo.Client, byUser [][]schemas.Event, from, to int) {
	t.Helper()
	for rev := from; rev < to; rev++ {
		var recs []*kgo.Record
		for _, evs := range byUser {
			recs = append(recs, st.Record(t, evs[rev]))
		}
		for len(recs) > 0 {
			n := min(50, len(recs))
			st.Produce(t, cl, recs[:n]...)
			recs = recs[n:]
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func histories(n, length int) [][]schemas.Event {
	var out [][]schemas.Event
	for i := range n {
		id := stacktest.NewID()
		name := fmt.Sprintf("p%04d", i)
		evs := []schemas.Event{stacktest.Created(id, name, name+"@example.com", "F", "L", "user")}
		for rev := int64(2); rev <= int64(length); rev++ {
			switch rev % 4 {
			case 0:
				evs = append(evs, stacktest.RoleChanged(id, rev, []string{"admin", "user"}[rev%8/4], "user"))
			case 1:
				evs = append(evs, stacktest.PasswordChanged(id, rev))
			case 2:
				evs = append(evs, stacktest.Updated(id, rev, stacktest.Ptr(fmt.Sprintf("F%d", rev)), nil, nil))
			case 3:
				evs = append(evs, stacktest.Updated(id, rev, nil, stacktest.Ptr(fmt.Sprintf("L%d", rev)), nil))
			}
		}
		out = append(out, evs)
	}
	return out
}

// TestKilledProjectorEqualsRebuild runs cmd/projector as a subprocess, SIGKILLs
// it mid-stream, restarts it, and compares its read model with a fresh rebuild
// of the same topic from offset zero.
func TestKilledProjectorEqualsRebuild(t *testing.T) {
	const nUsers, length = 200, 12
	st := stacktest.Start(t, stacktest.Options{Partitions: 6})
	url := pgtest.Database(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	byUser := histories(nUsers, length)
	prod := st.Client(t)

	p := startProc(t, url, st)
	eventually(t, 30*time.Second, "/readyz", func() bool { return p.get("/readyz") == http.StatusOK })
	if p.get("/livez") != http.StatusOK || p.get("/metrics") != http.StatusOK {
		t.Fatal("livez or metrics not served")
	}
	stream(t, st, prod, byUser, 0, length/2)
	eventually(t, 30*time.Second, "some progress", func() bool {
		return count(t, pool, `SELECT count(*) FROM users_v1`) > 0
	})
	// Kill mid-stream: more records are on their way while it dies.
	go func() { time.Sleep(5 * time.Millisecond); _ = p.cmd.Process.Signal(syscall.SIGKILL) }()
	stream(t, st, prod, byUser, length/2, length-2)
	_ = p.wait()
	killedAt := count(t, pool, `SELECT coalesce(sum(revision), 0) FROM users_v1`)

	// Static membership: the restart with the same instance id takes the killed
	// member's partitions back at once, well within the 45 s session timeout a dynamic
	// member would wait for.
	restarted := time.Now()
	p2 := startProc(t, url, st)
	stream(t, st, prod, byUser, length-2, length)
	eventually(t, 25*time.Second, "restarted projector caught up (well before the 45 s session timeout)", func() bool {
		return count(t, pool, fmt.Sprintf(`SELECT count(*) FROM users_v1 WHERE revision = %d`, length)) == nUsers
	})
	t.Logf("killed with revisions summing to %d of %d; caught up %v after the restart", killedAt, nUsers*length*(length+1)/2,
		time.Since(restarted).Round(time.Millisecond))

	// SIGTERM: finish, commit, leave the group, exit 0.
	_ = p2.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p2.done:
		if p2.err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", p2.err, p2.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	if !strings.Contains(p2.stderr.String(), "leaving the group") {
		t.Errorf("no graceful stop in the log:\n%s", p2.stderr)
	}
	// A static member does not leave on Close by itself; the projector leaves on SIGTERM
	// so its partitions do not wait out the session timeout.
	dg, err := kadm.NewClient(prod).DescribeGroups(ctx, "recall.projector.users.v1")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(dg["recall.projector.users.v1"].Members); n != 0 {
		t.Errorf("after SIGTERM the group still has %d members", n)
	}

	want := rebuild(t, st, nUsers, length)
	got := snapshot(t, pool, "users_v1")
	if !slices.Equal(got, want) {
		t.Fatalf("read model after kill+restart differs from a fresh rebuild (%d vs %d rows)", len(got), len(want))
	}
}

// rebuild projects the whole topic from offset zero into a fresh database with
// a new group and returns the rows.
func rebuild(t *testing.T, st *stacktest.Stack, nUsers, length int) []string {
	t.Helper()
	ctx := context.Background()
	url := pgtest.Database(t)
	if err := pgmigrate.Up(ctx, url, readmodel.Migrations); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := readmodel.SetupUsers(ctx, pool, 1); err != nil {
		t.Fatal(err)
	}
	h, _ := users.New(pool, 1, nil)
	if err := projection.EnsureTopics(ctx, st.Client(t), "rebuild.dlq"); err != nil {
		t.Fatal(err)
	}
	r, err := projection.New(projection.Config{Name: "rebuild", Group: "rebuild-check", Topic: stacktest.Topic, DLQTopic: "rebuild.dlq",
		Brokers: st.Brokers(), Decoder: schemas.NewDecoder(st.SR), Handler: h, Pool: pool,
		Metrics: projection.NewMetrics(prometheus.NewRegistry())})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	eventually(t, 60*time.Second, "rebuild caught up", func() bool {
		return count(t, pool, fmt.Sprintf(`SELECT count(*) FROM %s WHERE revision = %d`, readmodel.UsersTable(1), length)) == nUsers
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return snapshot(t, pool, "users_v1")
}

// TestKilledBetweenErasureAndApplication: the key is deleted and UserForgotten is on the
// topic, but the projector is SIGKILLed before it applies it. After the restart the read
// model is erased, and nothing of the person is in the database.
func TestKilledBetweenErasureAndApplication(t *testing.T) {
	st := stacktest.Start(t, stacktest.Options{Partitions: 2})
	url := pgtest.Database(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	seal := stacktest.NewSealer(t, stacktest.Keys(t, url, pool), pool)
	prod := st.Client(t)
	id := stacktest.NewID()
	st.Produce(t, prod, st.Record(t, seal.Event(id, 1, "UserCreated", map[string]string{"username": "ganondorf",
		"email": "ganon@gerudo.example", "first_name": "Ganondorfio", "last_name": "Dragmire", "role": "user"})))

	p := startProc(t, url, st)
	eventually(t, 30*time.Second, "the person projected", func() bool {
		return count(t, pool, `SELECT count(*) FROM users_v1 WHERE first_name = 'Ganondorfio'`) == 1
	})
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.wait()
	// The erasure commits (key deleted, UserForgotten relayed) while no projector runs.
	st.Produce(t, prod, st.Record(t, seal.Forget(id, 2, "ticket 12")))

	startProc(t, url, st)
	eventually(t, 60*time.Second, "the restarted projector erased the person", func() bool {
		return count(t, pool, `SELECT count(*) FROM users_v1 WHERE status = 'forgotten' AND username = '' AND first_name = ''`) == 1
	})
	pgtest.NoPlaintext(t, "the database after the erasure", pgtest.Dump(t, url), []string{"ganondorf", "ganon@gerudo.example", "Ganondorfio", "Dragmire"})
}
