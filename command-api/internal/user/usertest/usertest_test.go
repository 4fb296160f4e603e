package usertest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/command-api/internal/user/usertest"
)

// recorder is a TB that records the first failure instead of stopping the test.
type recorder struct{ failed string }

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	if r.failed == "" {
		r.failed = fmt.Sprintf(format, args...)
	}
}

var id = uuid.MustParse("0192f0a8-6f1e-7c3a-9d1e-5b6c7d8e9f00")

func created() user.UserCreated {
	return user.UserCreated{Username: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Role: user.RoleUser}
}

func TestGivenWhenThen(t *testing.T) {
	s := usertest.Given(t, id, created())
	s.When(user.ChangeRole{Role: "admin"}).Then(user.RoleChanged{Role: user.RoleAdmin, PreviousRole: user.RoleUser})
	s.When(user.ChangeRole{Role: "user"}).ThenNothing()
	s.When(user.CreateUser{ID: id, Username: "x", Email: "x@example.com"}).ThenError(user.ErrAlreadyExists)
	s.UpTo(0).When(user.DeleteUser{}).ThenError(user.ErrNotFound)
	if st := s.State(); st.Revision != 1 || !st.CreatedAt.Equal(usertest.Epoch) {
		t.Fatalf("state %+v", st)
	}
}

func TestFailuresSayWhatDiffered(t *testing.T) {
	for name, check := range map[string]func(tb usertest.TB){
		"other event": func(tb usertest.TB) {
			usertest.Given(tb, id, created()).When(user.DeleteUser{}).Then(user.UserRestored{})
		},
		"refused, events wanted": func(tb usertest.TB) {
			usertest.Given(tb, id).When(user.DeleteUser{}).Then(user.UserDeleted{})
		},
		"wrong error": func(tb usertest.TB) {
			usertest.Given(tb, id, created()).When(user.DeleteUser{}).ThenError(user.ErrDeleted)
		},
		"wrong fields": func(tb usertest.TB) {
			usertest.Given(tb, id, created()).When(user.UpdateUser{Email: ptr("x")}).ThenInvalid("first_name")
		},
		"impossible stream": func(tb usertest.TB) { usertest.Given(tb, id, user.UserDeleted{}) },
		"missing file":      func(tb usertest.TB) { usertest.GivenFile(tb, "testdata/none.json") },
	} {
		r := &recorder{}
		check(r)
		if r.failed == "" {
			t.Errorf("%s: no failure reported", name)
		}
		if name == "other event" && !strings.Contains(r.failed, `UserDeleted{}`) {
			t.Errorf("the failure shows the events as JSON: %s", r.failed)
		}
	}
}

func ptr(s string) *string { return &s }
