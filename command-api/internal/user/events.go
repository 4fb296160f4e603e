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
)

// UserCreated (schema version 2; version 1 had full_name instead of the
// two name fields and is upcast on read).
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

// UserDeleted carries the username and email it releases, so consumers and
// the claim bookkeeping need no earlier event.
type UserDeleted struct {
	Username string `json:"username"`
	Email    string `json:"email"`
}

// UserRestored carries the username and email it claims again.
type UserRestored struct {
	Username string `json:"username"`
	Email    string `json:"email"`
}

func (UserCreated) EventType() string     { return TypeUserCreated }
func (UserUpdated) EventType() string     { return TypeUserUpdated }
func (PasswordChanged) EventType() string { return TypePasswordChanged }
func (RoleChanged) EventType() string     { return TypeRoleChanged }
func (UserDeleted) EventType() string     { return TypeUserDeleted }
func (UserRestored) EventType() string    { return TypeUserRestored }

func (UserCreated) SchemaVersion() int     { return 2 }
func (UserUpdated) SchemaVersion() int     { return 1 }
func (PasswordChanged) SchemaVersion() int { return 1 }
func (RoleChanged) SchemaVersion() int     { return 1 }
func (UserDeleted) SchemaVersion() int     { return 1 }
func (UserRestored) SchemaVersion() int    { return 1 }

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

func (e UserDeleted) check() string  { return checkClaims(e.Username, e.Email) }
func (e UserRestored) check() string { return checkClaims(e.Username, e.Email) }

func checkClaims(username, email string) string {
	if username == "" || email == "" {
		return "username or email is empty"
	}
	return ""
}
