package user

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// lifecycle names the three states every command is tried against.
var lifecycle = []struct {
	name string
	user func(*testing.T) *User
}{
	{"missing", missingUser},
	{"active", activeUser},
	{"deleted", deletedUser},
}

func validCreate() CreateUser {
	return CreateUser{ID: testID, Username: " Ada ", Email: "Ada@Example.com", FirstName: " Ada ", LastName: "Lovelace"}
}

// TestCommandsByLifecycle: each command on a missing, active and deleted
// user, the events or error kind it yields.
func TestCommandsByLifecycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cmd  Command
		want map[string]any // lifecycle → []Event or error sentinel
	}{
		{validCreate(), map[string]any{
			"missing": []Event{UserCreated{Username: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Role: RoleUser}},
			"active":  ErrAlreadyExists,
			"deleted": ErrAlreadyExists,
		}},
		{UpdateUser{LastName: ptr("King")}, map[string]any{
			"missing": ErrNotFound,
			"active":  []Event{UserUpdated{LastName: ptr("King")}},
			"deleted": ErrDeleted,
		}},
		{ChangePassword{ResetByAdmin: true}, map[string]any{
			"missing": ErrNotFound,
			"active":  []Event{PasswordChanged{ResetByAdmin: true}},
			"deleted": ErrDeleted,
		}},
		{ChangeRole{Role: "admin"}, map[string]any{
			"missing": ErrNotFound,
			"active":  []Event{RoleChanged{Role: RoleAdmin, PreviousRole: RoleUser}},
			"deleted": ErrDeleted,
		}},
		{DeleteUser{}, map[string]any{
			"missing": ErrNotFound,
			"active":  []Event{UserDeleted{}},
			"deleted": ErrDeleted,
		}},
		{RestoreUser{}, map[string]any{
			"missing": ErrNotFound,
			"active":  ErrNotDeleted,
			"deleted": []Event{UserRestored{}},
		}},
	}
	for _, tc := range tests {
		for _, lc := range lifecycle {
			t.Run(tc.cmd.CommandName()+"/"+lc.name, func(t *testing.T) {
				u := lc.user(t)
				before := u.State()
				got, err := u.Decide(tc.cmd)
				switch want := tc.want[lc.name].(type) {
				case error:
					if !errors.Is(err, want) || got != nil {
						t.Fatalf("got %v, %v; want error %v", got, err, want)
					}
					if !strings.Contains(err.Error(), testID.String()) {
						t.Errorf("error %q does not name the user", err)
					}
				case []Event:
					if err != nil || !reflect.DeepEqual(got, want) {
						t.Fatalf("got %#v, %v; want %#v", got, err, want)
					}
				}
				if after := u.State(); !reflect.DeepEqual(before, after) {
					t.Errorf("a decision changed the aggregate:\nbefore %+v\nafter  %+v", before, after)
				}
			})
		}
	}
}

func TestRestoreOfActiveIsConflict(t *testing.T) {
	t.Parallel()
	_, err := activeUser(t).Restore(RestoreUser{})
	if !errors.Is(err, ErrConflict) || !errors.Is(err, ErrNotDeleted) {
		t.Fatalf("err = %v; want ErrNotDeleted, an ErrConflict", err)
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   func(*CreateUser)
		want   UserCreated
		fields []string // expected validation problems; nil: success
	}{
		{name: "default role is user", edit: func(*CreateUser) {},
			want: UserCreated{Username: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Role: RoleUser}},
		{name: "admin", edit: func(c *CreateUser) { c.Role = "admin" },
			want: UserCreated{Username: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Role: RoleAdmin}},
		{name: "bad role", edit: func(c *CreateUser) { c.Role = "root" }, fields: []string{"role"}},
		{name: "role is case-sensitive", edit: func(c *CreateUser) { c.Role = "Admin" }, fields: []string{"role"}},
		{name: "nil id", edit: func(c *CreateUser) { c.ID = uuid.Nil }, fields: []string{"id"}},
		{name: "other id", edit: func(c *CreateUser) { c.ID = uuid.New() }, fields: []string{"id"}},
		{name: "bad username", edit: func(c *CreateUser) { c.Username = "a" }, fields: []string{"username"}},
		{name: "bad email", edit: func(c *CreateUser) { c.Email = "Ada <ada@example.com>" }, fields: []string{"email"}},
		{name: "empty last name", edit: func(c *CreateUser) { c.LastName = "  " }, fields: []string{"last_name"}},
		{name: "every problem at once", edit: func(c *CreateUser) { *c = CreateUser{Role: "x"} },
			fields: []string{"email", "first_name", "id", "last_name", "role", "username"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cmd := validCreate()
			tc.edit(&cmd)
			got, err := New(testID).Create(cmd)
			if tc.fields != nil {
				assertFields(t, err, tc.fields...)
				return
			}
			if err != nil || len(got) != 1 || got[0] != tc.want {
				t.Fatalf("got %#v, %v; want %#v", got, err, tc.want)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cmd    UpdateUser
		want   []Event
		fields []string
	}{
		{name: "no field", cmd: UpdateUser{}, fields: []string{"body"}},
		{name: "every field changes",
			cmd:  UpdateUser{FirstName: ptr("Augusta"), LastName: ptr(" King "), Email: ptr("ADA@lovelace.org")},
			want: []Event{UserUpdated{FirstName: ptr("Augusta"), LastName: ptr("King"), Email: ptr("ada@lovelace.org")}}},
		{name: "unchanged fields are left out",
			cmd:  UpdateUser{FirstName: ptr("Ada"), LastName: ptr("King"), Email: ptr("ada@example.com")},
			want: []Event{UserUpdated{LastName: ptr("King")}}},
		{name: "nothing changes: no event",
			cmd:  UpdateUser{FirstName: ptr(" Ada "), Email: ptr("ADA@EXAMPLE.COM")},
			want: nil},
		{name: "invalid fields, all reported",
			cmd:    UpdateUser{FirstName: ptr(""), LastName: ptr("a\x00"), Email: ptr("nope")},
			fields: []string{"email", "first_name", "last_name"}},
		{name: "an invalid field spoils the valid ones",
			cmd:    UpdateUser{FirstName: ptr("Augusta"), Email: ptr("a@b@c")},
			fields: []string{"email"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := activeUser(t).Update(tc.cmd)
			if tc.fields != nil {
				assertFields(t, err, tc.fields...)
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, tc.want)
			}
		})
	}
}

func TestChangeRole(t *testing.T) {
	t.Parallel()
	u := activeUser(t)
	if got, err := u.ChangeRole(ChangeRole{Role: "user"}); err != nil || got != nil {
		t.Errorf("same role: got %v, %v; want no event", got, err)
	}
	for _, bad := range []string{"", "root", "ADMIN", " admin"} {
		_, err := u.ChangeRole(ChangeRole{Role: bad})
		assertFields(t, err, "role")
	}
}

func TestChangePasswordAlwaysRecords(t *testing.T) {
	t.Parallel()
	got, err := activeUser(t).ChangePassword(ChangePassword{})
	if err != nil || !reflect.DeepEqual(got, []Event{PasswordChanged{}}) {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestRestoreAfterEmailChange(t *testing.T) {
	t.Parallel()
	u := build(t, created(), UserUpdated{Email: ptr("new@example.com")}, UserDeleted{})
	got, err := u.Restore(RestoreUser{})
	want := []Event{UserRestored{}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
}

// assertFields checks err is a *ValidationError with exactly these fields.
func assertFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrValidation) {
		t.Fatalf("err = %v; want a *ValidationError", err)
	}
	var got []string
	for f, msg := range ve.Fields {
		if msg == "" {
			t.Errorf("field %s has an empty message", f)
		}
		got = append(got, f)
	}
	if !sameSet(got, fields) {
		t.Fatalf("problems %v; want fields %v", ve.Fields, fields)
	}
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
