package readmodel_test

import (
	"context"
	"testing"

	"github.com/recall-events/recall/readmodel"
)

// A record that fails again after its letter was resolved (a reset replayed it, and
// the cause is still there) is open again: it is not applied, so it must show in the
// list, the gauge and to a retry. Found by an outside review: the second insert did
// nothing and the failure stayed invisible behind the old resolution. A second insert
// while the letter is open (a retried DLQ produce) still changes nothing.
func TestADeadLetterFailingAgainAfterItsResolutionReopens(t *testing.T) {
	ctx := context.Background()
	pool, _ := setup(t)
	d := readmodel.DeadLetter{Projection: "users.v1", Topic: "recall.user.events", Partition: 3, Offset: 42,
		AggregateID: "01a22f94-3574-7a0d-ae4a-c14971118474", Revision: 2, Error: "first failure", Kind: readmodel.KindApply, Attempts: 1}
	open := func() []readmodel.DeadLetter {
		t.Helper()
		ds, err := readmodel.ListDeadLetters(ctx, pool, readmodel.DeadLetterFilter{Projection: "users.v1", OpenOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	for range 2 {
		if err := readmodel.InsertDeadLetter(ctx, pool, d); err != nil {
			t.Fatal(err)
		}
	}
	ds := open()
	if len(ds) != 1 || ds[0].Attempts != 1 || ds[0].Error != "first failure" {
		t.Fatalf("after inserting an open letter twice: %+v", ds)
	}
	if _, err := readmodel.ResolveDeadLetters(ctx, pool, []int64{ds[0].ID}, readmodel.Retried, "ops", "fixed"); err != nil {
		t.Fatal(err)
	}
	if ds := open(); len(ds) != 0 {
		t.Fatalf("resolved letter still open: %+v", ds)
	}
	d.Error, d.Kind = "failed again after a reset", readmodel.KindAttempts
	if err := readmodel.InsertDeadLetter(ctx, pool, d); err != nil {
		t.Fatal(err)
	}
	ds = open()
	if len(ds) != 1 || ds[0].Attempts != 2 || ds[0].Error != d.Error || ds[0].Kind != d.Kind || ds[0].Resolution != "" || ds[0].ResolvedBy != "" {
		t.Fatalf("a letter failing again after its resolution: %+v; want it open with 2 attempts and the new error", ds)
	}
	counts, err := readmodel.OpenDeadLetterCounts(ctx, pool)
	if err != nil || counts[[2]string{"users.v1", readmodel.KindAttempts}] != 1 {
		t.Fatalf("open counts %v, %v", counts, err)
	}
}
