package offsets_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/replayer/offsets"
)

const topic = "recall.user.events"

// base is the timestamp of the first record; record i of a partition is base + i minutes.
var base = time.Date(2026, 3, 15, 15, 0, 0, 0, time.UTC)

type fixture struct {
	kafka *devstack.Kafka
	cl    *kgo.Client
	adm   *kadm.Client
	admin *offsets.Admin
}

// setup starts kfake with a 3-partition topic holding 10 records per partition.
func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	k, err := devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: "127.0.0.1:0", Topics: []string{topic}, Partitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	for p := int32(0); p < 3; p++ {
		for i := 0; i < 10; i++ {
			r := &kgo.Record{Topic: topic, Partition: p, Value: []byte(fmt.Sprint(i)), Timestamp: base.Add(time.Duration(i) * time.Minute)}
			if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	adm := kadm.NewClient(cl)
	return fixture{kafka: k, cl: cl, adm: adm, admin: offsets.NewAdmin(adm)}
}

func (f fixture) commit(t *testing.T, group string, at ...int64) {
	t.Helper()
	var os kadm.Offsets
	for p, o := range at {
		os.Add(kadm.Offset{Topic: topic, Partition: int32(p), At: o, LeaderEpoch: -1})
	}
	if err := f.adm.CommitAllOffsets(context.Background(), group, os); err != nil {
		t.Fatal(err)
	}
}

func (f fixture) committed(t *testing.T, group string) []int64 {
	t.Helper()
	got, err := f.adm.FetchOffsets(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int64, 3)
	for p := range out {
		o, ok := got.Lookup(topic, int32(p))
		out[p] = -1
		if ok {
			out[p] = o.At
		}
	}
	return out
}

func TestResetPlansAndApplies(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		flags offsets.SpecFlags
		want  []int64
	}{
		{"earliest", offsets.SpecFlags{ToEarliest: true}, []int64{0, 0, 0}},
		{"latest", offsets.SpecFlags{ToLatest: true}, []int64{10, 10, 10}},
		{"offset", offsets.SpecFlags{ToOffset: "4"}, []int64{4, 4, 4}},
		// 15:03:30 lies between records 3 (15:03) and 4 (15:04): the first record at or
		// after the instant is 4, in every partition.
		{"datetime", offsets.SpecFlags{ToDatetime: "2026-03-15T15:03:30Z"}, []int64{4, 4, 4}},
		{"datetime exact", offsets.SpecFlags{ToDatetime: "2026-03-15T15:07:00Z"}, []int64{7, 7, 7}},
		{"datetime after all", offsets.SpecFlags{ToDatetime: "2027-01-01T00:00:00Z"}, []int64{10, 10, 10}},
		{"shift back", offsets.SpecFlags{ShiftBy: "-3"}, []int64{2, 5, 6}},
		{"shift forward clamps", offsets.SpecFlags{ShiftBy: "+4"}, []int64{9, 10, 10}},
		{"by duration", offsets.SpecFlags{ByDuration: "P3650D"}, []int64{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			group := "g-" + strings.ReplaceAll(tt.name, " ", "-")
			f.commit(t, group, 5, 8, 9)
			spec, err := offsets.ParseSpec(tt.flags)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := f.admin.Plan(ctx, group, nil, spec)
			if err != nil {
				t.Fatal(err)
			}
			// A plan changes nothing.
			if got := f.committed(t, group); fmt.Sprint(got) != "[5 8 9]" {
				t.Fatalf("planning changed offsets to %v", got)
			}
			for i, p := range plan.Partitions {
				if p.Target != tt.want[i] || p.Current != []int64{5, 8, 9}[i] || p.LogEnd != 10 {
					t.Fatalf("plan line %d = %+v, want target %d", i, p, tt.want[i])
				}
			}
			if err := f.admin.Apply(ctx, plan); err != nil {
				t.Fatal(err)
			}
			if got := f.committed(t, group); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("after apply: %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResetSelectedPartitionsOnly(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.commit(t, "sel", 5, 8, 9)
	topics, err := offsets.ParseTopics([]string{topic + ":0,2"})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := f.admin.Plan(ctx, "sel", topics, offsets.Spec{Kind: offsets.ToEarliest})
	if err != nil || len(plan.Partitions) != 2 {
		t.Fatalf("plan %+v %v", plan, err)
	}
	if err := f.admin.Apply(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if got := f.committed(t, "sel"); fmt.Sprint(got) != "[0 8 0]" {
		t.Fatalf("offsets %v", got)
	}
	if _, err := offsets.ParseTopics([]string{topic + ":x"}); err == nil {
		t.Fatal("bad partition accepted")
	}
	if _, err := f.admin.Plan(ctx, "sel", offsets.Topics{topic: {7}}, offsets.Spec{Kind: offsets.ToEarliest}); err == nil {
		t.Fatal("missing partition accepted")
	}
	if _, err := f.admin.Plan(ctx, "nobody", nil, offsets.Spec{Kind: offsets.ToEarliest}); !errors.Is(err, offsets.ErrNoTopics) {
		t.Fatalf("group without offsets: %v", err)
	}
}

func TestResetRefusesActiveGroup(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	consumer, err := kgo.NewClient(kgo.SeedBrokers(f.kafka.Addrs()...), kgo.ConsumerGroup("busy"),
		kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		fetches := consumer.PollRecords(ctx, 100)
		if err := fetches.Err(); err != nil {
			t.Fatal(err)
		}
		if err := consumer.CommitUncommittedOffsets(ctx); err != nil {
			t.Fatal(err)
		}
		if _, members, _ := f.admin.GroupState(ctx, "busy"); len(members) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("consumer never joined")
		}
	}
	before := f.committed(t, "busy")
	plan, err := f.admin.Plan(ctx, "busy", offsets.Topics{topic: nil}, offsets.Spec{Kind: offsets.ToEarliest})
	if err != nil {
		t.Fatal(err)
	}
	err = f.admin.Apply(ctx, plan)
	var ae *offsets.ActiveError
	if !errors.As(err, &ae) || !errors.Is(err, offsets.ErrGroupActive) || !strings.Contains(err.Error(), "stop its consumers") {
		t.Fatalf("apply on active group: %v", err)
	}
	if after := f.committed(t, "busy"); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("refused reset still changed offsets: %v → %v", before, after)
	}
}

func TestDescribeAndExport(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.commit(t, "d", 5, 8, 10)
	d, err := f.admin.Describe(ctx, "d", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.TotalLag != 5+2+0 || len(d.Partitions) != 3 || len(d.Members) != 0 {
		t.Fatalf("description %+v", d)
	}
	var table bytes.Buffer
	if err := d.WriteTable(&table); err != nil || !regexp.MustCompile(`TOTAL\s+7\n`).MatchString(table.String()) {
		t.Fatalf("table:\n%s", table.String())
	}
	plan, err := f.admin.Plan(ctx, "d", nil, offsets.Spec{Kind: offsets.ToOffset, Offset: 3})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := plan.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	want := topic + ",0,3\n" + topic + ",1,3\n" + topic + ",2,3\n"
	if csv.String() != want {
		t.Fatalf("csv:\n%s\nwant:\n%s", csv.String(), want)
	}
	// A named topic the group committed only partly: kadm counts the rest from the log
	// start, which DeleteRecords has moved to 4 on partition 2.
	f.commit(t, "part", 7)
	if _, err := f.adm.DeleteRecords(ctx, kadm.Offsets{topic: {2: {Topic: topic, Partition: 2, At: 4}}}); err != nil {
		t.Fatal(err)
	}
	part, err := f.admin.Describe(ctx, "part", offsets.Topics{topic: nil})
	if err != nil {
		t.Fatal(err)
	}
	var lags []int64
	for _, p := range part.Partitions {
		lags = append(lags, p.Lag)
	}
	if fmt.Sprint(lags) != "[3 10 6]" || part.TotalLag != 19 || part.Partitions[1].Committed != -1 || part.Partitions[2].LogStart != 4 {
		t.Fatalf("partly committed group: %+v", part)
	}
}
