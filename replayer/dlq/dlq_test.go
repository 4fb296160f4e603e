package dlq

import (
	"errors"
	"testing"
	"time"

	"github.com/recall-events/recall/readmodel"
)

func TestSelectionNamesExactlyOneWay(t *testing.T) {
	for _, s := range []Selection{{}, {IDs: []int64{1}, All: true}, {AggregateID: "a", All: true}} {
		if s.validate() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
	for _, s := range []Selection{{IDs: []int64{1, 2}}, {AggregateID: "a", Projection: "users.v1"}, {All: true}} {
		if err := s.validate(); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
}

func TestUsersVersion(t *testing.T) {
	if v, err := usersVersion("users.v1"); v != 1 || err != nil {
		t.Errorf("users.v1: %d %v", v, err)
	}
	for _, name := range []string{"welcome-email", "users.v", "users.vx", "users.v999"} {
		if _, err := usersVersion(name); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSummaryCountsOpenAndResolvedPerKind(t *testing.T) {
	now := time.Now()
	ds := []readmodel.DeadLetter{
		{Projection: "users.v1", Kind: readmodel.KindAttempts},
		{Projection: "users.v1", Kind: readmodel.KindBlocked},
		{Projection: "users.v1", Kind: readmodel.KindBlocked, ResolvedAt: &now, Resolution: readmodel.Retried},
		{Projection: "welcome-email", Kind: readmodel.KindDecode},
	}
	got := summarize(ds)
	want := []Summary{{"users.v1", "attempts", 1, 0}, {"users.v1", "blocked", 1, 1}, {"welcome-email", "decode", 1, 0}}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
