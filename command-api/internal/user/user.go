package user

import (
	"time"

	"github.com/google/uuid"
)

// AggregateType is the aggregate_type of every user stream and the middle
// of its Kafka topic (recall.user.events).
const AggregateType = "user"

// User is the aggregate: the state a decision needs, rebuilt from the
// stream. Its fields are unexported so that only Apply, fed by recorded
// events, changes them; decisions read them and return new events.
type User struct {
	id        uuid.UUID
	username  Username
	email     Email
	firstName string
	lastName  string
	role      Role
	status    Status
	createdAt time.Time
	updatedAt time.Time
	deletedAt time.Time
	// tokensValidFrom: the last PasswordChanged, RoleChanged or UserDeleted.
	tokensValidFrom time.Time
	revision        int64
}

// New returns the aggregate of stream id before its first event: it does
// not exist yet, so only CreateUser applies to it.
func New(id uuid.UUID) *User { return &User{id: id} }

// ID is the stream (aggregate) id.
func (u *User) ID() uuid.UUID { return u.id }

// Username is the normalised username (zero when the user does not exist).
func (u *User) Username() Username { return u.username }

// Email is the normalised e-mail address (zero when the user does not exist).
func (u *User) Email() Email { return u.email }

// FirstName is the trimmed first name.
func (u *User) FirstName() string { return u.firstName }

// LastName is the trimmed last name ("" for some users created by schema
// version 1, whose full name had no space).
func (u *User) LastName() string { return u.lastName }

// Role is the user's role; zero when the user does not exist.
func (u *User) Role() Role { return u.role }

// Status is active or deleted; zero when the user does not exist.
func (u *User) Status() Status { return u.status }

// CreatedAt is the recorded_at of UserCreated.
func (u *User) CreatedAt() time.Time { return u.createdAt }

// UpdatedAt is the recorded_at of the latest event.
func (u *User) UpdatedAt() time.Time { return u.updatedAt }

// DeletedAt is the recorded_at of the UserDeleted that deleted the user, or
// the zero time while the user is active.
func (u *User) DeletedAt() time.Time { return u.deletedAt }

// TokensValidFrom is the recorded_at of the user's last password change, role change
// or deletion (zero if none): a bearer token issued before it no longer speaks for the
// user.
func (u *User) TokensValidFrom() time.Time { return u.tokensValidFrom }

// Revision is the stream revision of the last applied event (0: no event),
// i.e. the number of events applied. Appends pass it as the expected
// revision, and it is the ETag of the HTTP API.
func (u *User) Revision() int64 { return u.revision }

// Exists reports whether the stream holds a UserCreated.
func (u *User) Exists() bool { return !u.status.IsZero() }

// IsDeleted reports whether the user exists and is deleted.
func (u *User) IsDeleted() bool { return u.status == StatusDeleted }

// IsForgotten reports whether the person was forgotten: the stream stays, the
// personal data is gone.
func (u *User) IsForgotten() bool { return u.status == StatusForgotten }
