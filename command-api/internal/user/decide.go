package user

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Decisions. Each reads the aggregate, never changes it, and returns the
// events to append or a typed error. The state checks (exists? deleted?)
// run before input validation: a client editing a user that is gone learns
// that (404/410) rather than how to fix a body that can never succeed.
//
// A nil error with no events means "already so": the command changes
// nothing and nothing should be appended (see Update and ChangeRole).

// Create decides UserCreated. The stream must be empty: ids are never
// reused, not even after a delete.
func (u *User) Create(cmd CreateUser) ([]Event, error) {
	if u.Exists() {
		return nil, u.wrap(ErrAlreadyExists)
	}
	p := problems{}
	switch cmd.ID {
	case uuid.Nil:
		p.add("id", "is required")
	case u.id:
	default:
		p.add("id", "does not match the stream")
	}
	ev := UserCreated{Role: RoleUser}
	username, err := NewUsername(cmd.Username)
	p.take(err)
	email, err := NewEmail(cmd.Email)
	p.take(err)
	ev.Username, ev.Email = username.String(), email.String()
	ev.FirstName, err = NormalizeName("first_name", cmd.FirstName)
	p.take(err)
	ev.LastName, err = NormalizeName("last_name", cmd.LastName)
	p.take(err)
	var msg string
	if cmd.Role != "" {
		ev.Role, msg = parseRole(cmd.Role)
		p.add("role", msg)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return []Event{ev}, nil
}

// Update decides UserUpdated with only the fields that change. A field equal
// to the current value (after normalisation) is not a change; if no field
// changes, Update returns no event and no error, so a retried or repeated
// PATCH succeeds without growing the stream.
func (u *User) Update(cmd UpdateUser) ([]Event, error) {
	if err := u.mustBeActive(); err != nil {
		return nil, err
	}
	p := problems{}
	if cmd.FirstName == nil && cmd.LastName == nil && cmd.Email == nil {
		p.add("body", "at least one of first_name, last_name, email is required")
	}
	var ev UserUpdated
	ev.FirstName = changed(p, cmd.FirstName, firstName, u.firstName)
	ev.LastName = changed(p, cmd.LastName, lastName, u.lastName)
	ev.Email = changed(p, cmd.Email, email, u.email.String())
	if err := p.err(); err != nil {
		return nil, err
	}
	if ev.FirstName == nil && ev.LastName == nil && ev.Email == nil {
		return nil, nil
	}
	return []Event{ev}, nil
}

// changed parses an optional field and returns it only if it differs from
// current; problems go to p.
func changed(p problems, raw *string, parse func(string) (string, error), current string) *string {
	if raw == nil {
		return nil
	}
	v, err := parse(*raw)
	p.take(err)
	if err != nil || v == current {
		return nil
	}
	return &v
}

// The parsers of UpdateUser's optional fields.
func firstName(raw string) (string, error) { return NormalizeName("first_name", raw) }
func lastName(raw string) (string, error)  { return NormalizeName("last_name", raw) }
func email(raw string) (string, error) {
	e, err := NewEmail(raw)
	return e.String(), err
}

// ChangePassword decides PasswordChanged. It always yields an event: the
// domain cannot see whether the new password equals the old one, and a
// password change is worth recording either way.
func (u *User) ChangePassword(cmd ChangePassword) ([]Event, error) {
	if err := u.mustBeActive(); err != nil {
		return nil, err
	}
	return []Event{PasswordChanged(cmd)}, nil
}

// ChangeRole decides RoleChanged; the current role yields no event.
func (u *User) ChangeRole(cmd ChangeRole) ([]Event, error) {
	if err := u.mustBeActive(); err != nil {
		return nil, err
	}
	role, err := ParseRole(cmd.Role)
	if err != nil {
		return nil, err
	}
	if role == u.role {
		return nil, nil
	}
	return []Event{RoleChanged{Role: role, PreviousRole: u.role}}, nil
}

// Delete decides UserDeleted. Deleting a deleted user is ErrDeleted, not a
// silent success: the HTTP contract answers 410 Gone.
func (u *User) Delete(DeleteUser) ([]Event, error) {
	if err := u.mustBeActive(); err != nil {
		return nil, err
	}
	return []Event{UserDeleted{}}, nil
}

// Restore decides UserRestored; an active user is ErrNotDeleted (a
// conflict). Whether the username and email are still free is the event
// store's business: the event claims them again (see Claims).
func (u *User) Restore(RestoreUser) ([]Event, error) {
	switch {
	case !u.Exists():
		return nil, u.wrap(ErrNotFound)
	case u.IsForgotten():
		return nil, u.wrap(ErrForgotten)
	case !u.IsDeleted():
		return nil, u.wrap(ErrNotDeleted)
	}
	return []Event{UserRestored{}}, nil
}

// Forget decides UserForgotten, for an active or a deleted user; a forgotten
// one is ErrForgotten (410), and so is every later command. The reason
// outlives the person, so it may not contain any of their personal values.
func (u *User) Forget(cmd ForgetUser) ([]Event, error) {
	switch {
	case !u.Exists():
		return nil, u.wrap(ErrNotFound)
	case u.IsForgotten():
		return nil, u.wrap(ErrForgotten)
	}
	reason := strings.ToLower(strings.TrimSpace(cmd.Reason))
	if reason == "" {
		return nil, fieldError("reason", "is required: it is kept as the why of the erasure")
	}
	held := append([]string{u.username.String(), u.email.String(), u.firstName, u.lastName}, cmd.Former...)
	for _, v := range held {
		if v = strings.ToLower(strings.TrimSpace(v)); len([]rune(v)) >= 2 && strings.Contains(reason, v) {
			return nil, fieldError("reason", "must not contain the person's personal data: it is kept after the erasure")
		}
	}
	return []Event{UserForgotten{}}, nil
}

// PersonalValues lists every personal value events record, current and former:
// usernames, addresses and names as created and as changed since, each once. The
// fields of a forgotten person's events are erased ("") and list nothing.
func PersonalValues(events []RecordedEvent) []string {
	var out []string
	seen := map[string]bool{}
	add := func(vs ...string) {
		for _, v := range vs {
			if v != "" && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	for _, rec := range events {
		switch e := rec.Event.(type) {
		case UserCreated:
			add(e.Username, e.Email, e.FirstName, e.LastName)
		case UserUpdated:
			for _, v := range []*string{e.FirstName, e.LastName, e.Email} {
				if v != nil {
					add(*v)
				}
			}
		}
	}
	return out
}

// mustBeActive is the precondition of every change but create and restore.
func (u *User) mustBeActive() error {
	switch {
	case !u.Exists():
		return u.wrap(ErrNotFound)
	case u.IsForgotten():
		return u.wrap(ErrForgotten)
	case u.IsDeleted():
		return u.wrap(ErrDeleted)
	}
	return nil
}

// wrap names the user in a state error; errors.Is still finds err.
func (u *User) wrap(err error) error { return fmt.Errorf("user %s: %w", u.id, err) }
