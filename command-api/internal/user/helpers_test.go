package user

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// Test fixtures: one stream id, a fixed clock for recorded_at, and users in
// each lifecycle state built the only legitimate way, by applying events.

var (
	testID = uuid.MustParse("0192f0a8-6f1e-7c3a-9d1e-5b6c7d8e9f00")
	t0     = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
)

func ptr(s string) *string { return &s }

func created() UserCreated {
	return UserCreated{Username: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Role: RoleUser}
}

// build applies events as revisions 1..n, one minute apart from t0.
func build(t *testing.T, events ...Event) *User {
	t.Helper()
	u := New(testID)
	for i, ev := range events {
		rec := RecordedEvent{Revision: int64(i + 1), RecordedAt: t0.Add(time.Duration(i) * time.Minute), Event: ev}
		if err := u.Apply(rec); err != nil {
			t.Fatalf("apply %d: %v", i+1, err)
		}
	}
	return u
}

func missingUser(t *testing.T) *User { return build(t) }
func activeUser(t *testing.T) *User  { return build(t, created()) }
func deletedUser(t *testing.T) *User {
	return build(t, created(), UserDeleted{})
}

var testIDOther = uuid.MustParse("0192f0a8-6f1e-7c3a-9d1e-5b6c7d8e9f01")
