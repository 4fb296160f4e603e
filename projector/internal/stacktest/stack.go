package stacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/schemas"
)

// Topic is the users topic of the contract.
const Topic = "recall.user.events"

// Stack is a broker and a registry for one test.
type Stack struct {
	Kafka      *devstack.Kafka
	Registry   *devstack.Registry
	Registered schemas.Registered
	SR         *sr.Client
	Partitions int32
}

// Options configure Start.
type Options struct {
	Partitions int32  // default 4
	DataDir    string // kfake persistence (subprocess restarts keep data in-process anyway)
}

// Start starts kfake and srfake on free ports and registers the schemas.
func Start(t testing.TB, opts Options) *Stack {
	t.Helper()
	if opts.Partitions == 0 {
		opts.Partitions = 4
	}
	ctx := context.Background()
	k, err := devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: "127.0.0.1:0", Topics: []string{Topic}, Partitions: opts.Partitions, DataDir: opts.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	r, err := devstack.StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	cl, err := sr.NewClient(sr.URLs(r.URL()))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := schemas.Register(ctx, cl, Topic)
	if err != nil {
		t.Fatal(err)
	}
	return &Stack{Kafka: k, Registry: r, Registered: reg, SR: cl, Partitions: opts.Partitions}
}

// Brokers are the seed brokers.
func (s *Stack) Brokers() []string { return s.Kafka.Addrs() }

// Client returns a plain client (producing, reading DLQs), closed at cleanup.
func (s *Stack) Client(t testing.TB, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.Brokers()...), kgo.DefaultProduceTopic(Topic)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// Produce sends recs and waits for every acknowledgement.
func (s *Stack) Produce(t testing.TB, cl *kgo.Client, recs ...*kgo.Record) {
	t.Helper()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// Record builds the contract's record of e; the partition is left to the
// key's hash unless the caller sets one (with a manual partitioner).
func (s *Stack) Record(t testing.TB, e schemas.Event) *kgo.Record {
	t.Helper()
	r, err := BuildRecord(s.Registered, e)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var lsn atomic.Int64

// BuildRecord builds the record of e as the relay does.
func BuildRecord(reg schemas.Registered, e schemas.Event) (*kgo.Record, error) {
	value, err := reg.AppendValue(nil, e)
	if err != nil {
		return nil, err
	}
	h := func(k, v string) kgo.RecordHeader { return kgo.RecordHeader{Key: k, Value: []byte(v)} }
	n := lsn.Add(1)
	return &kgo.Record{
		Topic: reg.Topic,
		Key:   []byte(e.AggregateID),
		Value: value,
		Headers: []kgo.RecordHeader{
			h("ce_specversion", "1.0"),
			h("ce_id", e.EventID),
			h("ce_type", e.CEType()),
			h("ce_source", "/recall/eventstore"),
			h("ce_subject", e.AggregateID),
			h("ce_time", e.RecordedAt.UTC().Format(time.RFC3339Nano)),
			h("content-type", "application/avro"),
			h("recall_revision", strconv.FormatInt(e.Revision, 10)),
			h("recall_global_position", strconv.FormatInt(e.GlobalPosition, 10)),
			h("recall_commit_lsn", fmt.Sprintf("0/%X", n)),
		},
	}, nil
}

// NewID returns a random (v4) UUID.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
