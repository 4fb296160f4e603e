package user_test

import (
	"strings"
	"testing"
	"time"

	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/command-api/internal/user/usertest"
)

// TestCaseSarahDeleted replays a real stream, exported from a running Recall with
// `replayer stream export ID > testdata/cases/sarah_deleted.json` (regenerate it with
// RECALL_UPDATE_TESTDATA=1 go test -run TestDebugKitWalkthrough in the stack module):
// Sarah was created, renamed, made an auditor, and deleted by an admin with a reason.
// The support ticket asks what each command would have done at each point of her history.
func TestCaseSarahDeleted(t *testing.T) {
	s := usertest.GivenFile(t, "testdata/cases/sarah_deleted.json")
	if s.Len() != 4 {
		t.Fatalf("the case has %d events", s.Len())
	}
	del := s.Stored(4)
	if del.EventType != user.TypeUserDeleted || !strings.Contains(string(del.Metadata), "ticket SUP-4711") {
		t.Fatalf("the deletion and its reason: %+v", del)
	}
	released := user.UserDeleted{}
	if s.Event(4) != user.Event(released) {
		t.Fatalf("UserDeleted released %+v", s.Event(4))
	}

	tests := []struct {
		name string
		at   *usertest.Scenario
		cmd  user.Command
		then func(*usertest.Outcome)
	}{
		// Now: deleted. Deleting again is 410, never a silent success; restoring claims
		// her username and email back.
		{"delete again", s, user.DeleteUser{}, func(o *usertest.Outcome) { o.ThenError(user.ErrDeleted) }},
		{"restore", s, user.RestoreUser{}, func(o *usertest.Outcome) {
			o.Then(user.UserRestored{})
		}},
		{"edit a deleted user", s, user.UpdateUser{FirstName: ptr("S.")}, func(o *usertest.Outcome) { o.ThenError(user.ErrDeleted) }},
		// Before the deletion (revision 3): the deletion the admin made is what the
		// aggregate decides, and a role change to her own role changes nothing.
		{"delete before it happened", s.UpTo(3), user.DeleteUser{}, func(o *usertest.Outcome) { o.Then(released) }},
		{"same role", s.UpTo(3), user.ChangeRole{Role: "auditor"}, func(o *usertest.Outcome) { o.ThenNothing() }},
		{"restore an active user", s.UpTo(3), user.RestoreUser{}, func(o *usertest.Outcome) { o.ThenError(user.ErrNotDeleted) }},
		{"rename to her old name", s.UpTo(3), user.UpdateUser{LastName: ptr("Connor")}, func(o *usertest.Outcome) {
			o.Then(user.UserUpdated{LastName: ptr("Connor")})
		}},
		{"bad email", s.UpTo(1), user.UpdateUser{Email: ptr("not-an-email")}, func(o *usertest.Outcome) { o.ThenInvalid("email") }},
		// By instant, as GET …/state?at= cuts: just before the deletion's recorded_at.
		{"an instant before the deletion", s.Until(del.RecordedAt.Add(-time.Microsecond)), user.DeleteUser{},
			func(o *usertest.Outcome) { o.Then(released) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.then(tt.at.When(tt.cmd)) })
	}
}

func ptr(s string) *string { return &s }
