package user

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// StateVersion is the version of the State layout. Bump it whenever State
// or the meaning of a field changes: stored snapshots of another version
// are then ignored (Compatible is false) and users are rebuilt from their
// events, which are the source of truth anyway.
//
// 3: the application stores snapshots with the personal fields sealed by the
// person's data key; earlier (plaintext) snapshots are never read again.
const StateVersion = 3

// State is a snapshot of a User: plain exported data for the snapshot store
// (JSON) and for time-travel answers. Instants are UTC.
type State struct {
	Version   int       `json:"version"`
	ID        uuid.UUID `json:"id"`
	Username  string    `json:"username"`
	Email     string    `json:"email"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Role      Role      `json:"role"`
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	DeletedAt time.Time `json:"deleted_at,omitzero"`
	// TokensValidFrom is when the user's password, role or deletion last changed: tokens
	// issued before it are refused (version 2).
	TokensValidFrom time.Time `json:"tokens_valid_from,omitzero"`
	Revision        int64     `json:"revision"`
}

// State returns the snapshot of u. Only an existing user (Revision ≥ 1) has
// a snapshot that FromState accepts.
func (u *User) State() State {
	return State{
		Version: StateVersion, ID: u.id,
		Username: u.username.String(), Email: u.email.String(),
		FirstName: u.firstName, LastName: u.lastName,
		Role: u.role, Status: u.status,
		CreatedAt: u.createdAt, UpdatedAt: u.updatedAt, DeletedAt: u.deletedAt,
		TokensValidFrom: u.tokensValidFrom, Revision: u.revision,
	}
}

// Compatible reports whether this code can load s: same StateVersion and a
// snapshot of an existing user.
func (s State) Compatible() bool {
	return s.Version == StateVersion && s.Revision >= 1 && s.ID != uuid.Nil &&
		!s.Role.IsZero() && !s.Status.IsZero()
}

// FromState restores a User from a snapshot; an incompatible one is
// ErrIncompatibleState (rebuild from the events instead).
func FromState(s State) (*User, error) {
	if !s.Compatible() {
		return nil, fmt.Errorf("%w: version %d (want %d), revision %d", ErrIncompatibleState, s.Version, StateVersion, s.Revision)
	}
	return &User{
		id:       s.ID,
		username: Username{s.Username}, email: Email{s.Email},
		firstName: s.FirstName, lastName: s.LastName,
		role: s.Role, status: s.Status,
		createdAt: s.CreatedAt.UTC(), updatedAt: s.UpdatedAt.UTC(), deletedAt: s.DeletedAt.UTC(),
		tokensValidFrom: s.TokensValidFrom.UTC(), revision: s.Revision,
	}, nil
}
