package user

// Event is the data of one user event: its event_type, the schema_version
// of its JSON, and (through Marshal) the JSON itself. Events are values and
// facts: decisions create them, Apply and projections consume them.
type Event interface {
	EventType() string
	SchemaVersion() int
}

// The event types of the user stream (the event_type column).
const (
	TypeUserCreated     = "UserCreated"
	TypeUserUpdated     = "UserUpdated"
	TypePasswordChanged = "PasswordChanged"
	TypeRoleChanged     = "RoleChanged"
	TypeUserDeleted     = "UserDeleted"
	TypeUserRestored    = "UserRestored"
	TypeUserForgotten   = "UserForgotten"
)

// UserCreated (schema version 3: its personal fields are sealed with the
// person's data key on the way to the store, by the application layer; version
// 2 is the same in plaintext, version 1 had full_name instead of the two name
// fields and is upcast on read).
type UserCreated struct {
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Role      Role   `json:"role"`
}

// UserUpdated carries only what changed; nil means unchanged and is written
// as JSON null (the contract writes all three keys).
type UserUpdated struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Email     *string `json:"email"`
}

// PasswordChanged says that, never what: no password or hash in an event.
type PasswordChanged struct {
	ResetByAdmin bool `json:"reset_by_admin"`
}

// RoleChanged keeps the previous role so a consumer (an audit view) needs
// no state to show the change.
type RoleChanged struct {
	Role         Role `json:"role"`
	PreviousRole Role `json:"previous_role"`
}

// UserDeleted releases the user's username and email (see Claims). Since
// version 2 it no longer copies them: personal data lives only in sealed
// fields.
type UserDeleted struct{}

// UserRestored claims the username and email again; like UserDeleted it
// carries no copy of them since version 2.
type UserRestored struct{}

// UserForgotten erases the person: the application deletes their data key in
// the same transaction, so every sealed field of the stream is unreadable from
// then on. It carries no data; who, when and why are its metadata.
type UserForgotten struct{}

func (UserCreated) EventType() string     { return TypeUserCreated }
func (UserUpdated) EventType() string     { return TypeUserUpdated }
func (PasswordChanged) EventType() string { return TypePasswordChanged }
func (RoleChanged) EventType() string     { return TypeRoleChanged }
func (UserDeleted) EventType() string     { return TypeUserDeleted }
func (UserRestored) EventType() string    { return TypeUserRestored }
func (UserForgotten) EventType() string   { return TypeUserForgotten }

func (UserCreated) SchemaVersion() int     { return 3 }
func (UserUpdated) SchemaVersion() int     { return 2 }
func (PasswordChanged) SchemaVersion() int { return 2 }
func (RoleChanged) SchemaVersion() int     { return 2 }
func (UserDeleted) SchemaVersion() int     { return 2 }
func (UserRestored) SchemaVersion() int    { return 2 }
func (UserForgotten) SchemaVersion() int   { return 1 }

// check reports data an event of its type cannot do without. It guards both
// directions of the codec: such an event is never written, and a stored one
// is refused rather than half-applied. It does not re-run input validation:
// events are facts, and rules may have been looser when they were written.
func (e UserCreated) check() string {
	switch {
	case e.Username == "":
		return "username is empty"
	case e.Email == "":
		return "email is empty"
	case e.Role.IsZero():
		return "role is missing"
	}
	return ""
}

func (e RoleChanged) check() string {
	if e.Role.IsZero() || e.PreviousRole.IsZero() {
		return "role or previous_role is missing"
	}
	return ""
}
