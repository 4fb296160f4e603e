package record_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/schemas"
)

func TestBuild(t *testing.T) {
	ctx := context.Background()
	reg, err := devstack.StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	regd, err := schemas.Register(ctx, cl, "recall.user.events")
	if err != nil {
		t.Fatal(err)
	}
	e := schemas.Event{
		EventID: "0193a0b2-7c4e-7d2a-9f10-1234567890ab", AggregateType: "user",
		AggregateID: "0193a0b2-7c4e-7d2a-9f10-abcdefabcdef", Revision: 3, EventType: "RoleChanged",
		SchemaVersion: 1, RecordedAt: time.Date(2026, 11, 25, 10, 0, 0, 123456000, time.UTC), GlobalPosition: 42,
		Data:     json.RawMessage(`{"role":"admin","previous_role":"user"}`),
		Metadata: json.RawMessage(`{"actor_id":"a","actor_role":"admin","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}`),
	}
	b := record.NewBuilder(record.Options{}, regd)
	r, err := b.Build(e, "16/B374D848")
	if err != nil {
		t.Fatal(err)
	}
	if r.Topic != "recall.user.events" || string(r.Key) != e.AggregateID {
		t.Fatalf("topic %q key %q", r.Topic, r.Key)
	}
	want := map[string]string{
		"ce_specversion": "1.0", "ce_id": e.EventID, "ce_type": "recall.user.RoleChanged.v1",
		"ce_source": "/recall/eventstore", "ce_subject": e.AggregateID, "ce_time": "2026-11-25T10:00:00.123456Z",
		"content-type": "application/avro", "recall_revision": "3", "recall_global_position": "42",
		"recall_commit_lsn": "16/B374D848", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
	}
	if len(r.Headers) != len(want) {
		t.Fatalf("%d headers, want %d", len(r.Headers), len(want))
	}
	for k, v := range want {
		if got := string(record.Header(r, k)); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	got, err := schemas.NewDecoder(cl).Decode(ctx, r.Value)
	if err != nil {
		t.Fatal(err)
	}
	if got.EventID != e.EventID || got.Revision != 3 || !got.RecordedAt.Equal(e.RecordedAt) {
		t.Fatalf("decoded %+v", got)
	}
	again, _ := b.Build(e, "16/B374D848")
	if string(again.Value) != string(r.Value) {
		t.Fatal("two builds of one event differ")
	}
	e.Metadata = json.RawMessage(`{"actor_id":"a","actor_role":"admin"}`)
	if r, _ := b.Build(e, "0/1"); record.Header(r, "traceparent") != nil {
		t.Fatal("traceparent header without one in metadata")
	}
	e.AggregateType = "order"
	if _, err := b.Build(e, "0/1"); err == nil {
		t.Fatal("built a record for an unregistered topic")
	}

	// Signed: the two signature headers, verified by the decoder holding the key.
	ring, err := schemas.ParseKeyring("k1", "k1=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY")
	if err != nil {
		t.Fatal(err)
	}
	e.AggregateType = "user"
	signed, err := record.NewBuilder(record.Options{Signer: ring}, regd).Build(e, "16/B374D848")
	if err != nil {
		t.Fatal(err)
	}
	if record.HeaderSignatureKey != schemas.HeaderSignatureKey || record.HeaderSignature != schemas.HeaderSignature {
		t.Fatal("relay/record's signature header names differ from schemas'")
	}
	if string(record.Header(signed, schemas.HeaderSignatureKey)) != "k1" || len(record.Header(signed, schemas.HeaderSignature)) != 64 {
		t.Fatalf("signature headers: %v", signed.Headers)
	}
	dec := schemas.NewDecoder(cl, schemas.Verifier(ring))
	if _, err := dec.DecodeRecord(ctx, signed.Key, signed.Value, record.Headers(signed)); err != nil {
		t.Fatalf("verify the relay's record: %v", err)
	}
	if _, err := dec.DecodeRecord(ctx, r.Key, r.Value, record.Headers(r)); !errors.Is(err, schemas.ErrSignature) {
		t.Fatalf("unsigned record: %v, want ErrSignature", err)
	}
}

// BenchmarkBuild is the relay's per-event record building (Avro value, key, headers);
// allocs/op is the figure that does not move with the machine's load.
func BenchmarkBuild(b *testing.B) {
	ctx := context.Background()
	reg, err := devstack.StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer reg.Close()
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		b.Fatal(err)
	}
	regd, err := schemas.Register(ctx, cl, "recall.user.events")
	if err != nil {
		b.Fatal(err)
	}
	e := schemas.Event{
		EventID: "0193a0b2-7c4e-7d2a-9f10-1234567890ab", AggregateType: "user",
		AggregateID: "0193a0b2-7c4e-7d2a-9f10-abcdefabcdef", Revision: 3, EventType: "UserUpdated",
		SchemaVersion: 1, RecordedAt: time.Date(2026, 11, 25, 10, 0, 0, 123456000, time.UTC), GlobalPosition: 42,
		Data:     json.RawMessage(`{"first_name":"N1234567","last_name":null,"email":null}`),
		Metadata: json.RawMessage(`{"actor_id":"0193a0b2-7c4e-7d2a-9f10-abcdefabcdef","actor_role":"admin","request_id":"0193a0b2-7c4e-7d2a-9f10-abcdefabcdef","correlation_id":"0193a0b2-7c4e-7d2a-9f10-abcdefabcdef"}`),
	}
	bl := record.NewBuilder(record.Options{}, regd)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bl.Build(e, "16/B374D848"); err != nil {
			b.Fatal(err)
		}
	}
}
