package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/replayer/opslog"
)

// TestRepublishCommand drives `replayer republish` on a store the relay never ran on
// (no relay_commits): the dry run prints the plan and changes nothing, --execute refuses
// the unpublished events naming the first, --allow-unpublished publishes them stamped
// with the WAL position and records the run in ops_log, and a second start of the same
// job is refused while --resume of the finished job has nothing to do.
func TestRepublishCommand(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.Database(t)
	if err := pgmigrate.Up(ctx, dbURL, eventstore.Migrations); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for range 3 {
		id := uuid.Must(uuid.NewV7())
		_, err := eventstore.New(pool).Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: id,
			Expected: eventstore.Exactly(0), Events: []eventstore.NewEvent{{EventType: "RoleChanged", SchemaVersion: 1,
				Data: []byte(`{"role":"admin","previous_role":"user"}`), Metadata: eventstore.Metadata{ActorID: "a"}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	k, err := devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: "127.0.0.1:0", Topics: []string{topic}, Partitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	reg, err := devstack.StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	e := env{brokers: strings.Join(k.Addrs(), ","), dbURL: dbURL}
	target := "recall.user.events.copy"
	args := []string{"republish", "--schema-registry-url", reg.URL(), "--from-position", "1", "--to-topic", target}

	out, errOut, code := e.run(t, append([]string{"-o", "json"}, args...)...)
	var plan struct {
		Job    string `json:"job"`
		Events int64  `json:"events"`
		Topics []struct {
			Partitions int32 `json:"target_partitions"`
			Create     bool  `json:"create"`
		} `json:"topics"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &plan) != nil || plan.Events != 3 || plan.Job != target+"@1" ||
		len(plan.Topics) != 1 || !plan.Topics[0].Create || plan.Topics[0].Partitions != 3 || !strings.Contains(errOut, "dry run: 3 event(s)") {
		t.Fatalf("dry run: %d\n%s\n%s", code, out, errOut)
	}
	adm := kadm.NewClient(newClient(t, k))
	if topics, err := adm.ListTopics(ctx, target); err != nil || topics.Has(target) {
		t.Fatalf("the dry run created %s: %v", target, err)
	}

	_, errOut, code = e.run(t, append(args, "--execute")...)
	if code == 0 || !strings.Contains(errOut, "the first at position 1") || !strings.Contains(errOut, "--allow-unpublished") {
		t.Fatalf("unpublished events not refused: %d %s", code, errOut)
	}

	out, errOut, code = e.run(t, append(args, "--execute", "--allow-unpublished")...)
	if code != 0 || !strings.Contains(out, "create topic, produce") || strings.Count(errOut, "republished 3/3 events") != 1 ||
		!strings.Contains(errOut, "republish done: 3 event(s)") {
		t.Fatalf("execute: %d\n%s\n%s", code, out, errOut)
	}
	cl := newClient(t, k, kgo.ConsumeTopics(target), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var recs []*kgo.Record
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for len(recs) < 3 && pctx.Err() == nil {
		fs := cl.PollFetches(pctx)
		fs.EachRecord(func(r *kgo.Record) { recs = append(recs, r) })
	}
	if len(recs) != 3 {
		t.Fatalf("%d records on %s, want 3", len(recs), target)
	}
	for _, r := range recs {
		if lsn := string(record.Header(r, record.HeaderCommitLSN)); lsn == "" || !strings.Contains(errOut, "recall_commit_lsn="+lsn) {
			t.Fatalf("recall_commit_lsn %q is not the WAL position announced in\n%s", lsn, errOut)
		}
	}

	_, errOut, code = e.run(t, append(args, "--execute", "--allow-unpublished")...)
	if code == 0 || !strings.Contains(errOut, "job already exists") || !strings.Contains(errOut, "--resume") {
		t.Fatalf("second start of the job: %d %s", code, errOut)
	}
	out, _, code = e.run(t, append(args, "--execute", "--resume")...)
	if code != 0 || !strings.Contains(out, "finished: nothing left") {
		t.Fatalf("resume of a finished job: %d %s", code, out)
	}

	l, err := opslog.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	entries, err := l.Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, en := range entries {
		if en.Operation != "republish" || en.Actor != "tester" {
			t.Fatalf("ops_log entry %+v", en)
		}
		outcomes = append(outcomes, fmt.Sprint(en.Outcome, " ", en.Args["published"]))
	}
	// Newest first: the resume of the finished job, the run, the refusal.
	if got := strings.Join(outcomes, ", "); got != "ok 0, ok 3, failed 0" {
		t.Fatalf("ops_log outcomes: %s", got)
	}
}

func newClient(t *testing.T, k *devstack.Kafka, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(k.Addrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}
