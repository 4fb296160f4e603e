package user

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	for _, lc := range lifecycle[1:] { // a missing user has no snapshot
		t.Run(lc.name, func(t *testing.T) {
			t.Parallel()
			u := lc.user(t)
			b, err := json.Marshal(u.State())
			if err != nil {
				t.Fatal(err)
			}
			var s State
			if err := json.Unmarshal(b, &s); err != nil {
				t.Fatal(err)
			}
			back, err := FromState(s)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, u) {
				t.Fatalf("round trip via %s\n got %+v\nwant %+v", b, back, u)
			}
		})
	}
}

func TestStateJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(activeUser(t).State())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":3,"id":"0192f0a8-6f1e-7c3a-9d1e-5b6c7d8e9f00","username":"ada","email":"ada@example.com",` +
		`"first_name":"Ada","last_name":"Lovelace","role":"user","status":"active",` +
		`"created_at":"2026-11-25T09:00:00Z","updated_at":"2026-11-25T09:00:00Z","revision":1}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func TestFromStateRefusesIncompatible(t *testing.T) {
	t.Parallel()
	good := activeUser(t).State()
	tests := map[string]func(*State){
		"newer version": func(s *State) { s.Version = StateVersion + 1 },
		"no version":    func(s *State) { s.Version = 0 },
		"no revision":   func(s *State) { s.Revision = 0 },
		"no id":         func(s *State) { s.ID = [16]byte{} },
		"no role":       func(s *State) { s.Role = Role{} },
		"no status":     func(s *State) { s.Status = Status{} },
	}
	for name, edit := range tests {
		s := good
		edit(&s)
		if s.Compatible() {
			t.Errorf("%s: Compatible() = true", name)
		}
		if _, err := FromState(s); !errors.Is(err, ErrIncompatibleState) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := json.Marshal(New(testID).State()); err == nil {
		t.Error("the state of a missing user marshalled")
	}
	var s State
	if err := json.Unmarshal([]byte(`{"role":"root"}`), &s); err == nil {
		t.Error("a snapshot with an invalid role decoded")
	}
}
