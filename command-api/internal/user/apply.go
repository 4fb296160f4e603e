package user

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// RecordedEvent is an event as the store returns it: with the stream
// revision it was appended at and the recorded_at the database set. The
// aggregate takes its instants from RecordedAt, never from the wall clock,
// so a rebuild at any later time yields the same state.
type RecordedEvent struct {
	Revision   int64
	RecordedAt time.Time
	Event      Event
}

// Apply folds one recorded event into the aggregate. It is the only way the
// state changes. It refuses (ErrCorruptStream) an event whose revision is
// not the next one, an event before UserCreated and a second UserCreated:
// applying them would silently produce a state no history explains.
// Events are not re-validated: they are facts.
func (u *User) Apply(rec RecordedEvent) error {
	if rec.Revision != u.revision+1 {
		return u.corrupt(rec, fmt.Sprintf("revision %d after %d", rec.Revision, u.revision))
	}
	_, created := rec.Event.(UserCreated)
	if created == u.Exists() {
		return u.corrupt(rec, "UserCreated must be the first event, and only it")
	}
	if !u.mutate(rec.Event, rec.RecordedAt.UTC()) {
		return u.corrupt(rec, fmt.Sprintf("unknown event %T", rec.Event))
	}
	u.revision = rec.Revision
	return nil
}

// mutate changes the state for ev recorded at at; false for an event type
// it does not know.
func (u *User) mutate(ev Event, at time.Time) bool {
	switch e := ev.(type) {
	case UserCreated:
		// Recorded values were checked by the decision that wrote them, and
		// history must always apply: no validation here.
		u.username, u.email, u.role = Username{e.Username}, Email{e.Email}, e.Role
		u.firstName, u.lastName = e.FirstName, e.LastName
		u.status, u.createdAt = StatusActive, at
	case UserUpdated:
		setIf(&u.firstName, e.FirstName)
		setIf(&u.lastName, e.LastName)
		if e.Email != nil {
			u.email = Email{*e.Email}
		}
	case PasswordChanged:
		// Nothing of the password lives here; earlier tokens stop counting.
		u.tokensValidFrom = at
	case RoleChanged:
		u.role, u.tokensValidFrom = e.Role, at
	case UserDeleted:
		u.status, u.deletedAt, u.tokensValidFrom = StatusDeleted, at, at
	case UserRestored:
		u.status, u.deletedAt = StatusActive, time.Time{}
	case UserForgotten:
		u.status = StatusForgotten
		u.username, u.email, u.firstName, u.lastName = Username{}, Email{}, "", ""
	default:
		return false
	}
	u.updatedAt = at
	return true
}

func setIf(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func (u *User) corrupt(rec RecordedEvent, why string) error {
	return fmt.Errorf("%w: user %s: revision %d: %s", ErrCorruptStream, u.id, rec.Revision, why)
}

// Rehydrate rebuilds the user of stream id from an optional snapshot and
// the events recorded after it (after snapshot.Revision, or from revision
// 1 without a snapshot), in revision order. A snapshot of another
// StateVersion or another id is ErrIncompatibleState: check
// State.Compatible before choosing where to start reading events.
func Rehydrate(id uuid.UUID, snapshot *State, events []RecordedEvent) (*User, error) {
	u := New(id)
	if snapshot != nil {
		if snapshot.ID != id {
			return nil, fmt.Errorf("%w: snapshot of %s for stream %s", ErrIncompatibleState, snapshot.ID, id)
		}
		var err error
		if u, err = FromState(*snapshot); err != nil {
			return nil, err
		}
	}
	for _, rec := range events {
		if err := u.Apply(rec); err != nil {
			return nil, err
		}
	}
	return u, nil
}
