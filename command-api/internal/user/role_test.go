package user

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseRole(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Role{"admin": RoleAdmin, "auditor": RoleAuditor, "service": RoleService, "user": RoleUser} {
		if got, err := ParseRole(in); err != nil || got != want || got.String() != in {
			t.Errorf("ParseRole(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "Admin", "root", " user", "user\x00", "system", "operator", "Auditor"} {
		if got, err := ParseRole(in); !errors.Is(err, ErrValidation) || !got.IsZero() {
			t.Errorf("ParseRole(%q) = %v, %v; want a validation error", in, got, err)
		}
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Status{"active": StatusActive, "deleted": StatusDeleted} {
		if got, err := ParseStatus(in); err != nil || got != want || got.String() != in {
			t.Errorf("ParseStatus(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "Active", "gone"} {
		if got, err := ParseStatus(in); !errors.Is(err, ErrValidation) || !got.IsZero() {
			t.Errorf("ParseStatus(%q) = %v, %v; want a validation error", in, got, err)
		}
	}
}

// TestZeroValuesAreNeverWritten: an unset Role or Status cannot reach JSON.
func TestZeroValuesAreNeverWritten(t *testing.T) {
	t.Parallel()
	if _, err := json.Marshal(Role{}); err == nil {
		t.Error("zero Role marshalled")
	}
	if _, err := json.Marshal(Status{}); err == nil {
		t.Error("zero Status marshalled")
	}
	var s Status
	if err := json.Unmarshal([]byte(`"purged"`), &s); err == nil {
		t.Error("invalid Status unmarshalled")
	}
}

func TestGetters(t *testing.T) {
	t.Parallel()
	u := activeUser(t)
	got := []any{u.ID(), u.Username(), u.Email(), u.FirstName(), u.LastName(), u.Role(), u.Status(), u.CreatedAt(), u.UpdatedAt(), u.DeletedAt(), u.Revision(), u.Exists(), u.IsDeleted()}
	want := []any{testID, Username{"ada"}, Email{"ada@example.com"}, "Ada", "Lovelace", RoleUser, StatusActive, t0, t0, u.DeletedAt(), int64(1), true, false}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("getter %d = %v, want %v", i, got[i], want[i])
		}
	}
	if !u.DeletedAt().IsZero() {
		t.Error("active user has a DeletedAt")
	}
}
