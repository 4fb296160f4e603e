package user

import (
	"errors"
	"slices"
	"testing"
)

func forgottenUser(t *testing.T) *User {
	return build(t, created(), UserForgotten{})
}

func TestForgetActiveAndDeletedUsers(t *testing.T) {
	t.Parallel()
	for name, u := range map[string]*User{"active": activeUser(t), "deleted": deletedUser(t)} {
		evs, err := u.Forget(ForgetUser{Reason: "erasure request #42"})
		if err != nil || len(evs) != 1 || evs[0] != (UserForgotten{}) {
			t.Fatalf("%s: Forget = %v, %v", name, evs, err)
		}
	}
}

func TestForgottenStateKeepsNothingPersonal(t *testing.T) {
	t.Parallel()
	u := forgottenUser(t)
	st := u.State()
	if !u.IsForgotten() || st.Status != StatusForgotten || st.Username != "" || st.Email != "" || st.FirstName != "" || st.LastName != "" {
		t.Fatalf("forgotten state %+v", st)
	}
	if st.Role != RoleUser || st.Revision != 2 || st.CreatedAt != t0 || !st.Compatible() {
		t.Fatalf("forgotten state lost what is not personal: %+v", st)
	}
}

// Every command on a forgotten user is ErrForgotten (410), never a success, and a
// forgotten user cannot be restored; a missing user is ErrNotFound.
func TestCommandsOnAForgottenUser(t *testing.T) {
	t.Parallel()
	u := forgottenUser(t)
	decisions := map[string]func() ([]Event, error){
		"update":   func() ([]Event, error) { return u.Update(UpdateUser{FirstName: ptr("X")}) },
		"password": func() ([]Event, error) { return u.ChangePassword(ChangePassword{}) },
		"role":     func() ([]Event, error) { return u.ChangeRole(ChangeRole{Role: "admin"}) },
		"delete":   func() ([]Event, error) { return u.Delete(DeleteUser{}) },
		"restore":  func() ([]Event, error) { return u.Restore(RestoreUser{}) },
		"forget":   func() ([]Event, error) { return u.Forget(ForgetUser{Reason: "again"}) },
	}
	for name, decide := range decisions {
		if _, err := decide(); !errors.Is(err, ErrForgotten) {
			t.Errorf("%s: err = %v, want ErrForgotten", name, err)
		}
	}
	if _, err := missingUser(t).Forget(ForgetUser{Reason: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing user: %v", err)
	}
	if _, err := u.Create(CreateUser{ID: testID, Username: "bob", Email: "b@b.b", FirstName: "B", LastName: "B"}); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("create on a forgotten stream: %v", err)
	}
}

// The reason is kept in plaintext after the erasure: it must be given and must not name
// the person.
func TestForgetReason(t *testing.T) {
	t.Parallel()
	u := activeUser(t)
	for _, reason := range []string{"", "  ", "Ada asked", "mail ADA@example.com", "lovelace wants out"} {
		var ve *ValidationError
		if _, err := u.Forget(ForgetUser{Reason: reason}); !errors.As(err, &ve) || ve.Fields["reason"] == "" {
			t.Errorf("reason %q: err = %v, want a validation error on reason", reason, err)
		}
	}
}

// A reason may not name a value the person held before either: a former address or
// name outlives the erasure in the reason as surely as the current ones.
func TestForgetReasonAndFormerValues(t *testing.T) {
	t.Parallel()
	u := activeUser(t) // ada, ada@example.com, Ada Lovelace
	former := []string{"ada.byron@example.org", "Byron", ""}
	for _, tc := range []struct {
		reason string
		ok     bool
	}{
		{"erasure request #42", true},
		{"ticket 42: was ada.byron@example.org", false},
		{"née BYRON", false},
		{"see the byronic ticket", false}, // contains a former name: refused, as current names are
		{"x", true},                       // the empty former value matches nothing
	} {
		_, err := u.Forget(ForgetUser{Reason: tc.reason, Former: former})
		var ve *ValidationError
		if tc.ok != (err == nil) || (!tc.ok && (!errors.As(err, &ve) || ve.Fields["reason"] == "")) {
			t.Errorf("reason %q with former values: err = %v, want ok=%v", tc.reason, err, tc.ok)
		}
	}
}

func TestPersonalValuesListsCurrentAndFormer(t *testing.T) {
	t.Parallel()
	first, email := "Augusta", "ada.king@example.com"
	got := PersonalValues([]RecordedEvent{
		{Revision: 1, Event: UserCreated{Username: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Byron", Role: RoleUser}},
		{Revision: 2, Event: UserUpdated{FirstName: &first, Email: &email}},
		{Revision: 3, Event: RoleChanged{Role: RoleAdmin}},
		{Revision: 4, Event: UserUpdated{FirstName: &first}},                                    // a repeat is listed once
		{Revision: 5, Event: UserCreated{Username: "", Email: "", FirstName: "", LastName: ""}}, // erased: nothing
	})
	want := []string{"ada", "ada@example.com", "Ada", "Byron", "Augusta", "ada.king@example.com"}
	if !slices.Equal(got, want) {
		t.Fatalf("PersonalValues = %q, want %q", got, want)
	}
}

func TestClaimsOfReleasingEventsComeFromTheUser(t *testing.T) {
	t.Parallel()
	u := activeUser(t)
	_, release := Claims(UserDeleted{}, u)
	if len(release) != 2 || release[0].Value != "ada" || release[1].Value != "ada@example.com" {
		t.Fatalf("UserDeleted releases %v", release)
	}
	claim, _ := Claims(UserRestored{}, deletedUser(t))
	if len(claim) != 2 || claim[0].Value != "ada" {
		t.Fatalf("UserRestored claims %v", claim)
	}
	if c, r := Claims(UserForgotten{}, u); c != nil || r != nil {
		t.Fatalf("UserForgotten: %v %v", c, r)
	}
}

func TestUnmarshalErasedAcceptsEmptyPersonalFields(t *testing.T) {
	t.Parallel()
	data := []byte(`{"username":"","email":"","first_name":"","last_name":"","role":"user"}`)
	if _, err := Unmarshal(TypeUserCreated, 3, data); !errors.Is(err, ErrMalformedEvent) {
		t.Fatalf("Unmarshal: %v", err)
	}
	ev, err := UnmarshalErased(TypeUserCreated, 3, data)
	if err != nil || ev.(UserCreated).Role != RoleUser {
		t.Fatalf("UnmarshalErased = %#v, %v", ev, err)
	}
}
