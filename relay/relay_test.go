package relay_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/recall-events/recall/relay/record"
)

// TestRelayPublishesEveryEvent: rows from before the slot arrive exactly once, events of
// concurrent appends arrive with per-aggregate revisions 1..n, every value decodes
// through the registry and the headers follow the contract.
func TestRelayPublishesEveryEvent(t *testing.T) {
	e := newEnv(t)
	before := e.appendUsers(5, 4, 5) // exist before the slot: the initial snapshot's part
	cfg := e.config()
	r := e.startRelay(cfg)
	e.waitStreaming()
	during := e.appendUsers(40, 5, 8)
	total := len(before)*4 + len(during)*5
	if n := e.eventCount(); n != total {
		t.Fatalf("store holds %d events, want %d", n, total)
	}
	c := e.consume(total, 60*time.Second)
	if d := c.duplicates(); d != 0 {
		t.Fatalf("%d duplicates in a run without faults", d)
	}
	last := c.checkOrder(t)
	if len(last) != len(before)+len(during) {
		t.Fatalf("%d streams, want %d", len(last), len(before)+len(during))
	}
	for _, id := range before {
		if last[id.String()] != 4 {
			t.Fatalf("stream %s from before the slot ends at %d", id, last[id.String()])
		}
	}
	for _, id := range during {
		if last[id.String()] != 5 {
			t.Fatalf("stream %s ends at %d", id, last[id.String()])
		}
	}

	dec := e.decoder()
	ctx := context.Background()
	for _, rec := range c.records {
		ev, err := dec.Decode(ctx, rec.Value)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		h := func(k string) string { return string(record.Header(rec, k)) }
		if h("ce_specversion") != "1.0" || h("ce_id") != ev.EventID || h("ce_type") != ev.CEType() ||
			h("ce_source") != "/recall/eventstore" || h("ce_subject") != ev.AggregateID || string(rec.Key) != ev.AggregateID ||
			h("ce_time") != ev.RecordedAt.UTC().Format(time.RFC3339Nano) || h("content-type") != "application/avro" ||
			h("recall_commit_lsn") == "" || h("recall_global_position") == "" {
			t.Fatalf("headers %v do not match event %+v", rec.Headers, ev)
		}
		wantTrace := ev.EventType == "UserCreated"
		if got := h("traceparent") != ""; got != wantTrace {
			t.Fatalf("%s: traceparent header present=%v", ev.EventType, got)
		}
		if ev.EventType == "UserCreated" && ev.SchemaVersion != 2 {
			t.Fatalf("UserCreated v%d", ev.SchemaVersion)
		}
	}

	waitFor(t, 10*time.Second, "the checkpoint", func() bool { return e.checkpoint() != "" })
	r.stop(t)
	if got := testutil.ToFloat64(counter(t, cfg, "recall_relay_events_published_total")); int(got) != total {
		t.Fatalf("events published metric = %v, want %d", got, total)
	}
	// Both of the relay's hops are observed once per confirmed transaction.
	txs := testutil.ToFloat64(counter(t, cfg, "recall_relay_transactions_confirmed_total"))
	if hops := testutil.ToFloat64(counter(t, cfg, "recall_hop_seconds")); txs == 0 || hops != 2*txs {
		t.Fatalf("recall_hop_seconds observations %v, want 2 × %v transactions", hops, txs)
	}
}
