package user

import (
	"errors"
	"reflect"
	"testing"
)

// TestCodecContract: the exact data of every event type, as
// docs/contracts-internal.md fixes it, and back.
func TestCodecContract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ev      Event
		typ     string
		version int
		data    string
	}{
		{created(), "UserCreated", 3,
			`{"username":"ada","email":"ada@example.com","first_name":"Ada","last_name":"Lovelace","role":"user"}`},
		{UserUpdated{LastName: ptr("King")}, "UserUpdated", 2,
			`{"first_name":null,"last_name":"King","email":null}`},
		{UserUpdated{FirstName: ptr("A"), LastName: ptr("B"), Email: ptr("c@d.e")}, "UserUpdated", 2,
			`{"first_name":"A","last_name":"B","email":"c@d.e"}`},
		{PasswordChanged{ResetByAdmin: true}, "PasswordChanged", 2, `{"reset_by_admin":true}`},
		{PasswordChanged{}, "PasswordChanged", 2, `{"reset_by_admin":false}`},
		{RoleChanged{Role: RoleAdmin, PreviousRole: RoleUser}, "RoleChanged", 2, `{"role":"admin","previous_role":"user"}`},
		{UserDeleted{}, "UserDeleted", 2, `{}`},
		{UserRestored{}, "UserRestored", 2, `{}`},
		{UserForgotten{}, "UserForgotten", 1, `{}`},
	}
	for _, tc := range tests {
		typ, version, data, err := Marshal(tc.ev)
		if err != nil || typ != tc.typ || version != tc.version || string(data) != tc.data {
			t.Errorf("Marshal(%#v) = %s, %d, %s, %v\nwant %s, %d, %s", tc.ev, typ, version, data, err, tc.typ, tc.version, tc.data)
			continue
		}
		back, err := Unmarshal(typ, version, data)
		if err != nil || !reflect.DeepEqual(back, tc.ev) {
			t.Errorf("Unmarshal(%s) = %#v, %v; want %#v", data, back, err, tc.ev)
		}
	}
}

func TestMarshalRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ev   Event
		want error
	}{
		{"nil", nil, ErrUnknownEventType},
		{"pointer", &PasswordChanged{}, ErrUnknownEventType},
		{"foreign type", fakeEvent{}, ErrUnknownEventType},
		{"created without role", UserCreated{Username: "a", Email: "b"}, ErrMalformedEvent},
		{"created without username", UserCreated{Email: "b", Role: RoleUser}, ErrMalformedEvent},
		{"role change without previous", RoleChanged{Role: RoleAdmin}, ErrMalformedEvent},
	}
	for _, tc := range tests {
		if _, _, _, err := Marshal(tc.ev); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v; want %v", tc.name, err, tc.want)
		}
	}
}

type fakeEvent struct{}

func (fakeEvent) EventType() string  { return TypePasswordChanged }
func (fakeEvent) SchemaVersion() int { return 1 }

func TestUnmarshalRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		typ     string
		version int
		data    string
		want    error
	}{
		{"unknown type", "UserRenamed", 1, `{}`, ErrUnknownEventType},
		{"empty type", "", 1, `{}`, ErrUnknownEventType},
		{"version 0", "PasswordChanged", 0, `{"reset_by_admin":true}`, ErrUnsupportedVersion},
		{"future version", "PasswordChanged", 3, `{"reset_by_admin":true}`, ErrUnsupportedVersion},
		{"future UserCreated", "UserCreated", 4, `{}`, ErrUnsupportedVersion},
		{"not JSON", "PasswordChanged", 1, `reset`, ErrMalformedEvent},
		{"empty", "PasswordChanged", 1, ``, ErrMalformedEvent},
		{"null", "PasswordChanged", 1, `null`, ErrMalformedEvent},
		{"array", "PasswordChanged", 1, `[]`, ErrMalformedEvent},
		{"unknown key", "PasswordChanged", 2, `{"reset_by_admin":true,"password":"x"}`, ErrMalformedEvent},
		{"trailing data", "PasswordChanged", 2, `{"reset_by_admin":true}{}`, ErrMalformedEvent},
		{"wrong type", "PasswordChanged", 2, `{"reset_by_admin":"yes"}`, ErrMalformedEvent},
		{"invalid role", "RoleChanged", 2, `{"role":"root","previous_role":"user"}`, ErrMalformedEvent},
		{"missing role", "RoleChanged", 1, `{"previous_role":"user"}`, ErrMalformedEvent},
		{"v2 data declared v1", "UserCreated", 1,
			`{"username":"ada","email":"a@b","first_name":"A","last_name":"B","role":"user"}`, ErrMalformedEvent},
		{"v1 data declared v2", "UserCreated", 2,
			`{"username":"ada","email":"a@b","full_name":"A B","role":"user"}`, ErrMalformedEvent},
		{"v1 without role", "UserCreated", 1, `{"username":"ada","email":"a@b","full_name":"A B"}`, ErrMalformedEvent},
		{"deleted v1 with an unknown key", "UserDeleted", 1, `{"email":"a@b","nick":"x"}`, ErrMalformedEvent},
	}
	for _, tc := range tests {
		ev, err := Unmarshal(tc.typ, tc.version, []byte(tc.data))
		if !errors.Is(err, tc.want) || ev != nil {
			t.Errorf("%s: Unmarshal = %v, %v; want %v", tc.name, ev, err, tc.want)
		}
	}
}

// TestUnmarshalLenientKeys: a missing UserUpdated key reads as null
// (unchanged), surrounding blanks are fine.
func TestUnmarshalLenientKeys(t *testing.T) {
	t.Parallel()
	ev, err := Unmarshal("UserUpdated", 1, []byte(" {\"email\":\"x@y.z\"}\n"))
	if want := (UserUpdated{Email: ptr("x@y.z")}); err != nil || !reflect.DeepEqual(ev, want) {
		t.Fatalf("got %#v, %v; want %#v", ev, err, want)
	}
}
