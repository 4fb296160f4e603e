package user

import (
	"reflect"
	"testing"
)

func TestClaims(t *testing.T) {
	t.Parallel()
	username := Claim{ClaimUsername, "ada"}
	email := Claim{ClaimEmail, "ada@example.com"}
	tests := []struct {
		name           string
		ev             Event
		claim, release []Claim
	}{
		{"created", created(), []Claim{username, email}, nil},
		{"email changed", UserUpdated{Email: ptr("new@example.com")}, []Claim{{ClaimEmail, "new@example.com"}}, []Claim{email}},
		{"names changed", UserUpdated{FirstName: ptr("A"), LastName: ptr("B")}, nil, nil},
		{"password", PasswordChanged{}, nil, nil},
		{"role", RoleChanged{Role: RoleAdmin, PreviousRole: RoleUser}, nil, nil},
		{"deleted", UserDeleted{}, nil, []Claim{username, email}},
		{"restored", UserRestored{}, []Claim{username, email}, nil},
		{"nil", nil, nil, nil},
	}
	for _, tc := range tests {
		claim, release := Claims(tc.ev, activeUser(t))
		if !reflect.DeepEqual(claim, tc.claim) || !reflect.DeepEqual(release, tc.release) {
			t.Errorf("%s: Claims = %v, %v; want %v, %v", tc.name, claim, release, tc.claim, tc.release)
		}
	}
}

// TestClaimsOfDecisions: the claims of what a decision produced, with the
// user it was decided on.
func TestClaimsOfDecisions(t *testing.T) {
	t.Parallel()
	u := activeUser(t)
	evs, err := u.Update(UpdateUser{Email: ptr(" NEW@example.com ")})
	if err != nil {
		t.Fatal(err)
	}
	claim, release := Claims(evs[0], u)
	if want := []Claim{{ClaimEmail, "new@example.com"}}; !reflect.DeepEqual(claim, want) {
		t.Errorf("claim %v, want %v", claim, want)
	}
	if want := []Claim{{ClaimEmail, "ada@example.com"}}; !reflect.DeepEqual(release, want) {
		t.Errorf("release %v, want %v", release, want)
	}
}
