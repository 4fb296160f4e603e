package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/replayer/cli"
	"github.com/recall-events/recall/replayer/opslog"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const topic = "recall.user.events"

type env struct {
	brokers, dbURL string
	adm            *kadm.Client
}

func setup(t *testing.T) env {
	t.Helper()
	ctx := context.Background()
	k, err := devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: "127.0.0.1:0", Topics: []string{topic}, Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	for p := int32(0); p < 2; p++ {
		for i := 0; i < 5; i++ {
			if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Partition: p, Value: []byte("x")}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	adm := kadm.NewClient(cl)
	var os kadm.Offsets
	os.Add(kadm.Offset{Topic: topic, Partition: 0, At: 5, LeaderEpoch: -1})
	os.Add(kadm.Offset{Topic: topic, Partition: 1, At: 4, LeaderEpoch: -1})
	if err := adm.CommitAllOffsets(ctx, "g", os); err != nil {
		t.Fatal(err)
	}
	return env{brokers: strings.Join(k.Addrs(), ","), dbURL: pgtest.Database(t), adm: adm}
}

func (e env) run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return e.runIn(t, "", args...)
}

func (e env) runIn(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"--brokers", e.brokers, "--database-url", e.dbURL, "--actor", "tester"}, args...)
	code := cli.ExecuteWithInput(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

func (e env) committed(t *testing.T) string {
	t.Helper()
	got, err := e.adm.FetchOffsets(context.Background(), "g")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := got.Lookup(topic, 0)
	b, _ := got.Lookup(topic, 1)
	return fmt.Sprint(a.At, " ", b.At)
}

func TestResetDryRunThenExecute(t *testing.T) {
	e := setup(t)
	out, errOut, code := e.run(t, "offsets", "reset", "--group", "g", "--to-earliest")
	if code != 0 || !strings.Contains(out, "TARGET") || !strings.Contains(errOut, "dry run: 2 partition(s) would move") {
		t.Fatalf("dry run: code %d\n%s\n%s", code, out, errOut)
	}
	if got := e.committed(t); got != "5 4" {
		t.Fatalf("dry run changed offsets: %s", got)
	}
	out, errOut, code = e.run(t, "offsets", "reset", "--group", "g", "--to-earliest", "--execute", "--export", "-")
	if code != 0 || !strings.Contains(out, topic+",0,0\n"+topic+",1,0\n") {
		t.Fatalf("execute: code %d\n%s\n%s", code, out, errOut)
	}
	if got := e.committed(t); got != "0 0" {
		t.Fatalf("after execute: %s", got)
	}
	l, err := opslog.Open(context.Background(), e.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	entries, err := l.Recent(context.Background(), 5)
	if err != nil || len(entries) != 1 || entries[0].Actor != "tester" || entries[0].Operation != "offsets reset" || entries[0].Outcome != "ok" {
		t.Fatalf("ops_log: %+v %v", entries, err)
	}
}

// TestResetKafkaToolVocabulary: the kafka-consumer-groups names work as there.
func TestResetKafkaToolVocabulary(t *testing.T) {
	e := setup(t)
	// --bootstrap-server names the brokers; --dry-run is the default said aloud;
	// --to-current keeps the committed offsets; --export alone writes to stdout.
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), []string{"--bootstrap-server", e.brokers, "--database-url", e.dbURL, "--actor", "tester",
		"offsets", "reset", "--group", "g", "--all-topics", "--to-current", "--dry-run", "--export"}, &out, &errOut)
	if code != 0 || !strings.HasPrefix(out.String(), topic+",0,5\n"+topic+",1,4\n") || !strings.Contains(errOut.String(), "dry run: 0 partition(s) would move") {
		t.Fatalf("to-current: code %d\n%s\n%s", code, out.String(), errOut.String())
	}
	// The CSV --export writes to a file is what --from-file reads back.
	file := t.TempDir() + "/plan.csv"
	if _, errOut, code := e.run(t, "offsets", "reset", "--group", "g", "--to-offset", "2", "--export", file); code != 0 {
		t.Fatalf("export to %s: %d %s", file, code, errOut)
	}
	if got := e.committed(t); got != "5 4" {
		t.Fatalf("the export alone changed offsets: %s", got)
	}
	if _, errOut, code := e.run(t, "offsets", "reset", "--group", "g", "--from-file", file, "--execute"); code != 0 {
		t.Fatalf("from-file: %d %s", code, errOut)
	}
	if got := e.committed(t); got != "2 2" {
		t.Fatalf("after --from-file: %s, want 2 2", got)
	}
	for _, bad := range [][]string{
		{"--to-earliest", "--dry-run", "--execute"},
		{"--to-earliest", "--all-topics", "--topic", topic},
		{"--from-file", file, "--topic", topic},
		{"--to-earliest", "stray"},
	} {
		if _, errOut, code := e.run(t, append([]string{"offsets", "reset", "--group", "g"}, bad...)...); code == 0 {
			t.Errorf("%v accepted: %s", bad, errOut)
		}
	}
}

func TestDescribeJSONAndBadFlags(t *testing.T) {
	e := setup(t)
	out, _, code := e.run(t, "-o", "json", "offsets", "describe", "--group", "g")
	var d struct {
		State    string `json:"state"`
		TotalLag int64  `json:"total_lag"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil || d.TotalLag != 1 {
		t.Fatalf("describe: code %d %q %+v", code, out, d)
	}
	_, errOut, code := e.run(t, "offsets", "reset", "--group", "g", "--to-earliest", "--to-latest")
	if code == 0 || !strings.Contains(errOut, "exactly one") {
		t.Fatalf("two targets accepted: %d %s", code, errOut)
	}
	_, errOut, code = e.run(t, "-o", "yaml", "offsets", "describe", "--group", "g")
	if code == 0 || !strings.Contains(errOut, "table or json") {
		t.Fatalf("bad output accepted: %d %s", code, errOut)
	}
}
