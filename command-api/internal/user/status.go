package user

import "errors"

// Status is the lifecycle state of an existing user: active, deleted or
// forgotten (final: the person's personal data is erased).
// Like Role it cannot hold another value; the zero Status belongs to a
// stream with no user yet.
type Status struct{ name string }

// The statuses.
var (
	StatusActive    = Status{"active"}
	StatusDeleted   = Status{"deleted"}
	StatusForgotten = Status{"forgotten"}
)

// ParseStatus accepts exactly "active" or "deleted".
func ParseStatus(s string) (Status, error) {
	switch s {
	case StatusActive.name:
		return StatusActive, nil
	case StatusDeleted.name:
		return StatusDeleted, nil
	case StatusForgotten.name:
		return StatusForgotten, nil
	}
	return Status{}, fieldError("status", `must be "active", "deleted" or "forgotten"`)
}

// String returns "active", "deleted", or "" for the zero Status.
func (s Status) String() string { return s.name }

// IsZero reports the Status of a user that does not exist.
func (s Status) IsZero() bool { return s.name == "" }

// MarshalText refuses the zero Status.
func (s Status) MarshalText() ([]byte, error) {
	if s.IsZero() {
		return nil, errors.New("user: status is unset")
	}
	return []byte(s.name), nil
}

// UnmarshalText parses with ParseStatus.
func (s *Status) UnmarshalText(b []byte) error {
	v, err := ParseStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
