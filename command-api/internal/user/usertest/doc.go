// Package usertest turns a user stream — an exported production case or events written
// by hand — into a table test of the domain: given these events, when this command, then
// these events or this error. It runs the aggregate only (no database, no HTTP), so a
// bug seen in production becomes a test that runs in milliseconds.
//
// A production case, from `replayer stream export ID --until T > case.json` (the
// eventstore/streamfile format; the events are upcast exactly as the store's reader does):
//
//	s := usertest.GivenFile(t, "testdata/cases/sarah_deleted.json")
//	s.When(user.DeleteUser{}).ThenError(user.ErrDeleted)
//	s.UpTo(3).When(user.DeleteUser{}).Then(user.UserDeleted{})
//	s.Until(instant).When(user.RestoreUser{}).ThenError(user.ErrNotDeleted)
//
// Or events by hand, recorded one minute apart:
//
//	usertest.Given(t, id, user.UserCreated{...}).When(user.ChangeRole{Role: "admin"}).Then(user.RoleChanged{...})
//
// Then compares events by value and reports both sides as JSON when they differ;
// ThenError matches with errors.Is; ThenNothing expects no event and no error (an
// idempotent command); ThenInvalid names the fields a *user.ValidationError refuses.
package usertest
