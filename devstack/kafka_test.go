package devstack

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const testTopic = "recall.user.events"

func startTestKafka(t *testing.T, dataDir string) *Kafka {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	k, err := StartKafka(ctx, KafkaOptions{Addr: "127.0.0.1:0", DataDir: dataDir, Topics: []string{testTopic}, Partitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newClient(t *testing.T, k *Kafka, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(k.Addrs()...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func consumeOne(t *testing.T, k *Kafka) *kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cl := newClient(t, k, kgo.ConsumeTopics(testTopic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("no record consumed: %v", err)
		}
		for _, e := range fs.Errors() {
			t.Logf("fetch error (retrying): %v", e.Err)
		}
		if recs := fs.Records(); len(recs) > 0 {
			return recs[0]
		}
	}
}

func TestKafkaProduceConsumeAndRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kafka")
	k := startTestKafka(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	producer := newClient(t, k)
	want := &kgo.Record{Topic: testTopic, Key: []byte("0193a3b0-0000-7000-8000-00000000abcd"), Value: []byte("event-1")}
	if err := producer.ProduceSync(ctx, want).FirstErr(); err != nil {
		t.Fatal(err)
	}
	producer.Close()
	if got := consumeOne(t, k); string(got.Key) != string(want.Key) || string(got.Value) != "event-1" {
		t.Fatalf("consumed %q=%q", got.Key, got.Value)
	}
	k.Close()

	// Same DataDir, new process-like start on another port: still there.
	k2 := startTestKafka(t, dir)
	defer k2.Close()
	if got := consumeOne(t, k2); string(got.Value) != "event-1" || got.Offset != want.Offset {
		t.Fatalf("after restart consumed %q at offset %d, want event-1 at %d", got.Value, got.Offset, want.Offset)
	}
}

func TestKafkaDoesNotAutoCreateTopics(t *testing.T) {
	k := startTestKafka(t, "")
	defer k.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	cl := newClient(t, k, kgo.AllowAutoTopicCreation())
	err := cl.ProduceSync(ctx, &kgo.Record{Topic: "recall.typo.events", Value: []byte("x")}).FirstErr()
	if err == nil {
		t.Fatal("produce to a missing topic succeeded: auto-create is on")
	}
	if k.Cluster().TopicInfo("recall.typo.events") != nil {
		t.Fatal("topic was created")
	}
}

func TestKafkaRetentionIsOff(t *testing.T) {
	k := startTestKafka(t, "")
	defer k.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cl := newClient(t, k)
	req := kmsg.NewPtrDescribeConfigsRequest()
	res := kmsg.NewDescribeConfigsRequestResource()
	res.ResourceType = kmsg.ConfigResourceTypeTopic
	res.ResourceName = testTopic
	res.ConfigNames = []string{"retention.ms"}
	req.Resources = append(req.Resources, res)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resp.Resources {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			t.Fatal(err)
		}
		for _, c := range r.Configs {
			if c.Name == "retention.ms" && (c.Value == nil || *c.Value != "-1") {
				t.Fatalf("retention.ms = %v, want -1", c.Value)
			}
		}
	}
	if info := k.Cluster().PartitionInfos(testTopic); len(info) != 3 {
		t.Fatalf("%s has %d partitions, want 3", testTopic, len(info))
	}
}

func TestKafkaPortInUse(t *testing.T) {
	k := startTestKafka(t, "")
	defer k.Close()
	_, err := StartKafka(context.Background(), KafkaOptions{Addr: k.Addrs()[0]})
	if !errors.Is(err, ErrKafka) {
		t.Fatalf("err = %v, want ErrKafka", err)
	}
}
