package user

import "errors"

// Role is what a user may do: admin, auditor, service or user. It is a struct with an
// unexported field so no code outside this package can make a Role that is
// neither; the zero Role means "unset" and is refused wherever a role is
// written.
type Role struct{ name string }

// The roles. In events and JSON a role is the plain string ("admin",
// "user"), not an Avro enum: enums evolve badly.
//
// admin does everything; auditor reads every user, history and state and writes nothing
// but its own password; service is a machine caller (it will fetch data keys) and reads
// nothing personal but its own record; user reads and changes only itself.
var (
	RoleAdmin   = Role{"admin"}
	RoleAuditor = Role{"auditor"}
	RoleService = Role{"service"}
	RoleUser    = Role{"user"}
)

// Roles lists every role, most privileged first.
func Roles() []Role { return []Role{RoleAdmin, RoleAuditor, RoleService, RoleUser} }

// ParseRole accepts exactly "admin", "auditor", "service" or "user". The error is a
// *ValidationError for field "role".
func ParseRole(s string) (Role, error) {
	r, msg := parseRole(s)
	if msg != "" {
		return Role{}, fieldError("role", msg)
	}
	return r, nil
}

// parseRole returns the Role or a problem message.
func parseRole(s string) (Role, string) {
	if s == "" {
		return Role{}, "is required"
	}
	for _, r := range Roles() {
		if r.name == s {
			return r, ""
		}
	}
	return Role{}, `must be "admin", "auditor", "service" or "user"`
}

// String returns the role's name, or "" for the zero Role.
func (r Role) String() string { return r.name }

// IsZero reports the unset Role.
func (r Role) IsZero() bool { return r.name == "" }

// MarshalText refuses the zero Role, so an event or snapshot with no role
// can never be written.
func (r Role) MarshalText() ([]byte, error) {
	if r.IsZero() {
		return nil, errors.New("user: role is unset")
	}
	return []byte(r.name), nil
}

// UnmarshalText parses with ParseRole.
func (r *Role) UnmarshalText(b []byte) error {
	v, err := ParseRole(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
