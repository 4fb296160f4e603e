package publish_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/ops/tracing"
	"github.com/recall-events/recall/relay/publish"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/schemas"
)

// With a Tracer, a record whose event carries a traceparent gets a producer span, a child
// of that context, with the commit LSN and the partition; the record's traceparent header
// is the span's own context, so the consumer continues from the relay. The signature stays
// valid (it does not cover traceparent). An event without a trace gets neither.
func TestPublishSpanContinuesTheEventsTrace(t *testing.T) {
	ctx := context.Background()
	k, err := devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	reg, err := devstack.StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	srcl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	regd, err := schemas.Register(ctx, srcl, "recall.user.events")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := schemas.NewKeyring("k1", map[string][]byte{"k1": []byte("0123456789abcdef0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(ctx)
	p, err := publish.New(publish.Options{Brokers: k.Addrs(), Partitions: 3, Tracer: tp.Tracer("relay")},
		record.NewBuilder(record.Options{Signer: ring}, regd))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.EnsureTopics(ctx, []string{"recall.user.events"}); err != nil {
		t.Fatal(err)
	}
	const upstream = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	event := func(id, meta string) schemas.Event {
		return schemas.Event{EventID: id, AggregateType: "user", AggregateID: "0193a0b2-7c4e-7d2a-9f10-abcdefabcdef",
			Revision: 2, EventType: "RoleChanged", SchemaVersion: 1, RecordedAt: time.Now(), GlobalPosition: 7,
			Data: json.RawMessage(`{"role":"admin","previous_role":"user"}`), Metadata: json.RawMessage(meta)}
	}
	for _, e := range []schemas.Event{
		event("0193a0b2-7c4e-7d2a-9f10-000000000001", `{"actor_id":"a","actor_role":"admin","traceparent":"`+upstream+`"}`),
		event("0193a0b2-7c4e-7d2a-9f10-000000000002", `{"actor_id":"a","actor_role":"admin"}`),
	} {
		done := make(chan error, 1)
		p.Publish(ctx, e, "16/B374D848", func(err error) { done <- err })
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}

	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want one (the traced event's)", len(spans))
	}
	s := spans[0]
	attrs := map[string]string{}
	for _, kv := range s.Attributes {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	if s.Name != "send recall.user.events" || s.SpanKind != trace.SpanKindProducer ||
		s.Parent.SpanID().String() != "b7ad6b7169203331" || s.SpanContext.TraceID().String() != "0af7651916cd43dd8448eb211c80319c" {
		t.Fatalf("span %q kind %v parent %v trace %v", s.Name, s.SpanKind, s.Parent.SpanID(), s.SpanContext.TraceID())
	}
	if attrs["recall.commit_lsn"] != "16/B374D848" || attrs["messaging.destination.partition.id"] == "" ||
		attrs["messaging.destination.name"] != "recall.user.events" {
		t.Fatalf("attributes %v", attrs)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addrs()...), kgo.ConsumeTopics("recall.user.events"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[string]*kgo.Record{}
	for len(got) < 2 {
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		fs := cl.PollFetches(fctx)
		cancel()
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) { got[string(record.Header(r, record.HeaderID))] = r })
	}
	traced, plain := got["0193a0b2-7c4e-7d2a-9f10-000000000001"], got["0193a0b2-7c4e-7d2a-9f10-000000000002"]
	want := tracing.Traceparent(trace.ContextWithSpanContext(ctx, s.SpanContext))
	if h := string(record.Header(traced, record.HeaderTraceparent)); h != want {
		t.Fatalf("record traceparent %q, want the producer span's %q", h, want)
	}
	if part := attrs["messaging.destination.partition.id"]; part != strconv.Itoa(int(traced.Partition)) {
		t.Errorf("span partition %s, record's %d", part, traced.Partition)
	}
	if record.Header(plain, record.HeaderTraceparent) != nil {
		t.Error("an event without a trace got a traceparent header")
	}
	if err := ring.Verify(traced.Key, traced.Value, record.Headers(traced)); err != nil {
		t.Fatalf("the rewritten header broke the signature: %v", err)
	}
}
