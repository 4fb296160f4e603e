package upcast

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrUnsupported: the event type is unknown to the projector, or its version is
// newer than the code (deploy a newer projector) or has no step to lift it.
var ErrUnsupported = errors.New("upcast: unsupported event type or version")

// ErrMalformed: the data of an old version is not the JSON its schema promised.
var ErrMalformed = errors.New("upcast: malformed data")

// Current is the schema version of each user event type that projections read.
var Current = map[string]int{
	"UserCreated":     2,
	"UserUpdated":     1,
	"PasswordChanged": 1,
	"RoleChanged":     1,
	"UserDeleted":     1,
	"UserRestored":    1,
}

type key struct {
	eventType string
	from      int
}

// steps lift (event type, version) to version+1.
var steps = map[key]func([]byte) ([]byte, error){
	{"UserCreated", 1}: userCreatedV1toV2,
}

// Data lifts data of (eventType, version) to Current[eventType], one step at a
// time. Current data is returned as is, without copying.
func Data(eventType string, version int, data []byte) (int, []byte, error) {
	current, ok := Current[eventType]
	if !ok {
		return 0, nil, fmt.Errorf("%w: %q", ErrUnsupported, eventType)
	}
	if version < 1 || version > current {
		return 0, nil, fmt.Errorf("%w: %s v%d (projector knows up to v%d)", ErrUnsupported, eventType, version, current)
	}
	for ; version < current; version++ {
		step, ok := steps[key{eventType, version}]
		if !ok {
			return 0, nil, fmt.Errorf("%w: no step for %s v%d", ErrUnsupported, eventType, version)
		}
		var err error
		if data, err = step(data); err != nil {
			return 0, nil, fmt.Errorf("%w: %s v%d: %w", ErrMalformed, eventType, version, err)
		}
	}
	return version, data, nil
}

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

// userCreatedV1toV2 splits full_name at the first space (no space: last_name
// ""), trimming blanks as the domain's upcaster does, so the read model shows
// what the aggregate shows.
func userCreatedV1toV2(data []byte) ([]byte, error) {
	var v1 userCreatedV1
	if err := json.Unmarshal(data, &v1); err != nil {
		return nil, err
	}
	first, last, _ := strings.Cut(strings.TrimSpace(v1.FullName), " ")
	return json.Marshal(userCreatedV2{
		Username: v1.Username, Email: v1.Email, Role: v1.Role,
		FirstName: strings.TrimSpace(first), LastName: strings.TrimSpace(last),
	})
}
