package faults

import (
	"testing"

	"github.com/google/uuid"

	"github.com/recall-events/recall/bench/internal/kafkaread"
)

// The checks must be able to fail: each case breaks one invariant on purpose.
func TestCheckKafka(t *testing.T) {
	store := map[string]stored{
		"e1": {id: "e1", aggregate: "a", revision: 1},
		"e2": {id: "e2", aggregate: "a", revision: 2},
		"e3": {id: "e3", aggregate: "a", revision: 3},
		"f1": {id: "f1", aggregate: "b", revision: 1},
	}
	rec := func(id, key string, rev int64) kafkaread.Record {
		return kafkaread.Record{ID: id, Key: key, Revision: rev}
	}
	for _, c := range []struct {
		name string
		recs []kafkaread.Record
		want Counts
	}{
		{"all once", []kafkaread.Record{rec("e1", "a", 1), rec("f1", "b", 1), rec("e2", "a", 2), rec("e3", "a", 3)},
			Counts{Committed: 4, Records: 4, Delivered: 4}},
		{"redelivered tail", []kafkaread.Record{rec("e1", "a", 1), rec("e2", "a", 2), rec("e1", "a", 1), rec("e2", "a", 2), rec("e3", "a", 3), rec("f1", "b", 1)},
			Counts{Committed: 4, Records: 6, Delivered: 4, Duplicates: 2}},
		{"lost", []kafkaread.Record{rec("e1", "a", 1), rec("e2", "a", 2), rec("e3", "a", 3)},
			Counts{Committed: 4, Records: 3, Delivered: 3, Lost: 1}},
		{"gap", []kafkaread.Record{rec("e1", "a", 1), rec("e3", "a", 3), rec("e2", "a", 2), rec("f1", "b", 1)},
			Counts{Committed: 4, Records: 4, Delivered: 4, OutOfOrder: 1}},
		{"a different event at a delivered revision", []kafkaread.Record{rec("e1", "a", 1), rec("e2", "a", 2), rec("x", "a", 2), rec("e3", "a", 3), rec("f1", "b", 1)},
			Counts{Committed: 4, Records: 5, Delivered: 4, Unknown: 1, OutOfOrder: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got Counts
			checkKafka(store, c.recs, &got)
			if got != c.want {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestCheckAcked(t *testing.T) {
	id := uuid.New()
	store := map[string]stored{"e1": {id: "e1", aggregate: id.String(), revision: 4, requestID: "r1"}}
	var c Counts
	checkAcked(store, []ack{{"r1", id, 4}, {"r2", id, 5}, {"r1", id, 5}}, &c)
	if c.Acked != 3 || c.AckedMissing != 2 {
		t.Fatalf("got %+v: want 3 acknowledged, 2 missing (an unknown request, a wrong revision)", c)
	}
	if len(c.Failures()) != 1 {
		t.Fatalf("failures %v", c.Failures())
	}
}
