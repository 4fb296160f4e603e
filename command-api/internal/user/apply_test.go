package user

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestApplyFollowsTheStream(t *testing.T) {
	t.Parallel()
	u := build(t,
		created(), // t0
		UserUpdated{FirstName: ptr("Augusta"), Email: ptr("augusta@example.com")}, // +1m
		RoleChanged{Role: RoleAdmin, PreviousRole: RoleUser},                      // +2m
		PasswordChanged{}, // +3m
		UserDeleted{},     // +4m
	)
	want := State{
		Version: StateVersion, ID: testID, Username: "ada", Email: "augusta@example.com",
		FirstName: "Augusta", LastName: "Lovelace", Role: RoleAdmin, Status: StatusDeleted,
		CreatedAt: t0, UpdatedAt: t0.Add(4 * time.Minute), DeletedAt: t0.Add(4 * time.Minute),
		TokensValidFrom: t0.Add(4 * time.Minute), Revision: 5,
	}
	if got := u.State(); !reflect.DeepEqual(got, want) {
		t.Fatalf("state\n got %+v\nwant %+v", got, want)
	}
	if err := u.Apply(RecordedEvent{Revision: 6, RecordedAt: t0.Add(time.Hour), Event: UserRestored{}}); err != nil {
		t.Fatal(err)
	}
	if u.IsDeleted() || !u.DeletedAt().IsZero() || !u.UpdatedAt().Equal(t0.Add(time.Hour)) || u.Revision() != 6 {
		t.Fatalf("after restore: %+v", u.State())
	}
}

// TestTokensValidFrom: a password change, a role change and a deletion each end the
// tokens issued before them; a profile update and a restore do not.
func TestTokensValidFrom(t *testing.T) {
	t.Parallel()
	u := build(t, created())
	if !u.TokensValidFrom().IsZero() {
		t.Fatalf("new user: %v", u.TokensValidFrom())
	}
	steps := []struct {
		ev   Event
		ends bool
	}{
		{UserUpdated{FirstName: ptr("Augusta")}, false},
		{PasswordChanged{}, true},
		{RoleChanged{Role: RoleAuditor, PreviousRole: RoleUser}, true},
		{UserDeleted{}, true},
		{UserRestored{}, false},
	}
	for i, s := range steps {
		at := t0.Add(time.Duration(i+1) * time.Hour)
		before := u.TokensValidFrom()
		if err := u.Apply(RecordedEvent{Revision: u.Revision() + 1, RecordedAt: at, Event: s.ev}); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]time.Time{true: at, false: before}[s.ends]; !u.TokensValidFrom().Equal(want) {
			t.Errorf("after %T: TokensValidFrom %v, want %v", s.ev, u.TokensValidFrom(), want)
		}
	}
}

func TestApplyStoresUTC(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.FixedZone("CET", 3600))
	u := New(testID)
	if err := u.Apply(RecordedEvent{Revision: 1, RecordedAt: at, Event: created()}); err != nil {
		t.Fatal(err)
	}
	if u.CreatedAt().Location() != time.UTC || !u.CreatedAt().Equal(at) {
		t.Fatalf("CreatedAt = %v", u.CreatedAt())
	}
}

func TestApplyRefusesACorruptStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		user func(*testing.T) *User
		rec  RecordedEvent
	}{
		{"gap", activeUser, RecordedEvent{Revision: 3, Event: PasswordChanged{}}},
		{"repeat", activeUser, RecordedEvent{Revision: 1, Event: PasswordChanged{}}},
		{"first is not UserCreated", missingUser, RecordedEvent{Revision: 1, Event: PasswordChanged{}}},
		{"second UserCreated", activeUser, RecordedEvent{Revision: 2, Event: created()}},
		{"nil event on empty stream", missingUser, RecordedEvent{Revision: 1}},
		{"nil event", activeUser, RecordedEvent{Revision: 2}},
		{"foreign event", activeUser, RecordedEvent{Revision: 2, Event: &PasswordChanged{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := tc.user(t)
			before := u.State()
			if err := u.Apply(tc.rec); !errors.Is(err, ErrCorruptStream) {
				t.Fatalf("err = %v; want ErrCorruptStream", err)
			}
			if !reflect.DeepEqual(before, u.State()) {
				t.Error("a refused event changed the aggregate")
			}
		})
	}
}

func TestRehydrate(t *testing.T) {
	t.Parallel()
	events := []RecordedEvent{
		{Revision: 1, RecordedAt: t0, Event: created()},
		{Revision: 2, RecordedAt: t0.Add(time.Minute), Event: RoleChanged{Role: RoleAdmin, PreviousRole: RoleUser}},
		{Revision: 3, RecordedAt: t0.Add(2 * time.Minute), Event: UserUpdated{LastName: ptr("King")}},
	}
	full, err := Rehydrate(testID, nil, events)
	if err != nil {
		t.Fatal(err)
	}
	// A snapshot at revision 2 plus the events after it gives the same user.
	partial, err := Rehydrate(testID, nil, events[:2])
	if err != nil {
		t.Fatal(err)
	}
	snap := partial.State()
	fromSnap, err := Rehydrate(testID, &snap, events[2:])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(full.State(), fromSnap.State()) {
		t.Fatalf("from snapshot\n got %+v\nwant %+v", fromSnap.State(), full.State())
	}
	// Events overlapping the snapshot are a gap, not silently skipped.
	if _, err := Rehydrate(testID, &snap, events); !errors.Is(err, ErrCorruptStream) {
		t.Errorf("overlap: err = %v", err)
	}
	other := snap
	other.ID = testIDOther
	if _, err := Rehydrate(testID, &other, nil); !errors.Is(err, ErrIncompatibleState) {
		t.Errorf("other id: err = %v", err)
	}
	old := snap
	old.Version = StateVersion - 1
	if _, err := Rehydrate(testID, &old, events[2:]); !errors.Is(err, ErrIncompatibleState) {
		t.Errorf("old version: err = %v", err)
	}
	empty, err := Rehydrate(testID, nil, nil)
	if err != nil || empty.Exists() || empty.ID() != testID || empty.Revision() != 0 {
		t.Errorf("empty stream: %+v, %v", empty, err)
	}
}
