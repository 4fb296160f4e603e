package upcast

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrUnknownType: no such event type.
	ErrUnknownType = errors.New("upcast: unknown event type")
	// ErrUnsupported: the version is newer than this code knows, below 1, or has no step.
	ErrUnsupported = errors.New("upcast: unsupported schema version")
	// ErrMalformed: the data of an old version is not what its schema promised.
	ErrMalformed = errors.New("upcast: malformed data")
)

// current is the schema version of each event type's data today. A test in the schemas
// module keeps it equal to the newest .avsc of each type.
var current = map[string]int{
	"UserCreated":     3,
	"UserUpdated":     2,
	"PasswordChanged": 2,
	"RoleChanged":     2,
	"UserDeleted":     2,
	"UserRestored":    2,
	"UserForgotten":   1,
}

type key struct {
	eventType string
	from      int
}

// steps lift (event type, version) to version+1. Add one, with a fixture of the old
// version, whenever an event's data changes shape.
//
// Upcasters work on opened data (schemas.Opener): the versions that seal personal fields
// (UserCreated v3, UserUpdated v2) have the shape of the plaintext versions before them,
// so lifting plaintext data to them is the identity, and sealed data is opened, not
// upcast. UserDeleted and UserRestored v2 no longer copy the username and email.
var steps = map[key]func([]byte) ([]byte, error){
	{"UserCreated", 1}:     userCreatedV1toV2,
	{"UserCreated", 2}:     same,
	{"UserUpdated", 1}:     same,
	{"PasswordChanged", 1}: same,
	{"RoleChanged", 1}:     same,
	{"UserDeleted", 1}:     dropClaims,
	{"UserRestored", 1}:    dropClaims,
}

func same(data []byte) ([]byte, error) { return data, nil }

// dropClaims lifts UserDeleted and UserRestored v1 ({username, email}) to v2 ({}).
func dropClaims(data []byte) ([]byte, error) {
	var v1 struct {
		Username string `json:"username"`
		Email    string `json:"email"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v1); err != nil {
		return nil, err
	}
	return []byte(`{}`), nil
}

// Current is the current schema version of eventType; false when the type is unknown.
func Current(eventType string) (int, bool) {
	v, ok := current[eventType]
	return v, ok
}

// Data lifts data of (eventType, version) to the current version. Current data is returned
// as is, without copying.
func Data(eventType string, version int, data []byte) (int, []byte, error) {
	cur, ok := current[eventType]
	if !ok {
		return 0, nil, fmt.Errorf("%w: %q", ErrUnknownType, eventType)
	}
	if version < 1 || version > cur {
		return 0, nil, fmt.Errorf("%w: %s v%d (current v%d)", ErrUnsupported, eventType, version, cur)
	}
	for ; version < cur; version++ {
		step, ok := steps[key{eventType, version}]
		if !ok {
			return 0, nil, fmt.Errorf("%w: no step from %s v%d", ErrUnsupported, eventType, version)
		}
		var err error
		if data, err = step(data); err != nil {
			return 0, nil, fmt.Errorf("%w: %s v%d: %v", ErrMalformed, eventType, version, err)
		}
	}
	return version, data, nil
}

// userCreatedV1 is the historical UserCreated data: one full_name.
type userCreatedV1 struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	FullName string `json:"full_name"`
	Role     string `json:"role"`
}

type userCreatedV2 struct {
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Role      string `json:"role"`
}

// userCreatedV1toV2 splits full_name at the first space ("Ada King" → Ada, King; no space
// → last_name ""), trimming blanks as names are trimmed on input today. The role stays a
// string: judging it is the reader's business.
func userCreatedV1toV2(data []byte) ([]byte, error) {
	var v1 userCreatedV1
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v1); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	first, last, _ := strings.Cut(strings.TrimSpace(v1.FullName), " ")
	return json.Marshal(userCreatedV2{
		Username: v1.Username, Email: v1.Email, Role: v1.Role,
		FirstName: strings.TrimSpace(first), LastName: strings.TrimSpace(last),
	})
}
