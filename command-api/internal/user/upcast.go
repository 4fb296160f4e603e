package user

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Upcaster lifts the JSON data of one event type from one schema version to
// the next. Upcasters are chained one version at a time, so a change only
// ever needs the step from its predecessor and old events keep loading
// after any number of changes.
type Upcaster func(data []byte) ([]byte, error)

type upcastKey struct {
	eventType string
	from      int
}

// upcasters is a registry keyed by (event_type, from_version) that knows
// the current version of each type it can lift.
type upcasters struct {
	current map[string]int
	steps   map[upcastKey]Upcaster
}

func (r *upcasters) register(eventType string, from int, fn Upcaster) {
	r.steps[upcastKey{eventType, from}] = fn
}

// upcast lifts data of (eventType, version) to the current version of its
// type, one registered step at a time.
func (r *upcasters) upcast(eventType string, version int, data []byte) (int, []byte, error) {
	current, ok := r.current[eventType]
	if !ok {
		return 0, nil, fmt.Errorf("%w: %q", ErrUnknownEventType, eventType)
	}
	if version < 1 || version > current {
		return 0, nil, fmt.Errorf("%w: %s v%d (current v%d)", ErrUnsupportedVersion, eventType, version, current)
	}
	for ; version < current; version++ {
		step, ok := r.steps[upcastKey{eventType, version}]
		if !ok {
			return 0, nil, fmt.Errorf("%w: no upcaster for %s v%d", ErrUnsupportedVersion, eventType, version)
		}
		var err error
		if data, err = step(data); err != nil {
			return 0, nil, fmt.Errorf("%w: upcasting %s v%d: %v", ErrMalformedEvent, eventType, version, err)
		}
	}
	return version, data, nil
}

// registry holds the upcasters of the user stream. Add a step here when an
// event's schema changes, with a testdata fixture of the old version.
var registry = func() *upcasters {
	r := &upcasters{current: map[string]int{}, steps: map[upcastKey]Upcaster{}}
	for _, ev := range []Event{UserCreated{}, UserUpdated{}, PasswordChanged{}, RoleChanged{}, UserDeleted{}, UserRestored{}} {
		r.current[ev.EventType()] = ev.SchemaVersion()
	}
	r.register(TypeUserCreated, 1, userCreatedV1toV2)
	return r
}()

// Upcast lifts stored data of (eventType, version) to the current schema
// version of its type. Unmarshal calls it; it is exported for readers that
// want the current JSON without decoding it (history views, republishing).
func Upcast(eventType string, version int, data []byte) (int, []byte, error) {
	return registry.upcast(eventType, version, data)
}

// userCreatedV1 is the historical UserCreated data: one full_name.
type userCreatedV1 struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	FullName string `json:"full_name"`
	Role     string `json:"role"`
}

// userCreatedV2 mirrors UserCreated v2 with a string role, so the upcaster
// only reshapes and leaves judging the role to decoding.
type userCreatedV2 struct {
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Role      string `json:"role"`
}

// userCreatedV1toV2 splits full_name at the first space: "Ada King" → Ada,
// King; no space → last_name "". Surrounding blanks are trimmed, as names
// are trimmed on input today.
func userCreatedV1toV2(data []byte) ([]byte, error) {
	var v1 userCreatedV1
	if err := decodeStrict(data, &v1); err != nil {
		return nil, err
	}
	first, last, _ := strings.Cut(strings.TrimSpace(v1.FullName), " ")
	return json.Marshal(userCreatedV2{
		Username: v1.Username, Email: v1.Email, Role: v1.Role,
		FirstName: strings.TrimSpace(first), LastName: strings.TrimSpace(last),
	})
}
