package user

import "errors"

// Role is what a user may do: admin or user. It is a struct with an
// unexported field so no code outside this package can make a Role that is
// neither; the zero Role means "unset" and is refused wherever a role is
// written.
type Role struct{ name string }

// The roles. In events and JSON a role is the plain string ("admin",
// "user"), not an Avro enum: enums evolve badly.
var (
	RoleAdmin = Role{"admin"}
	RoleUser  = Role{"user"}
)

// ParseRole accepts exactly "admin" or "user". The error is a
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
	switch s {
	case RoleAdmin.name:
		return RoleAdmin, ""
	case RoleUser.name:
		return RoleUser, ""
	case "":
		return Role{}, "is required"
	}
	return Role{}, `must be "admin" or "user"`
}

// String returns "admin", "user", or "" for the zero Role.
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
