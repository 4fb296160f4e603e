package user

import (
	"errors"
	"fmt"

	"github.com/recall-events/recall/schemas/upcast"
)

// Upcast lifts stored data of (eventType, version) to the current schema version of its
// type, with the contract's upcasters (schemas/upcast, standard library only), so the
// aggregate reads an old event exactly as the projections and downstream consumers do.
// Unmarshal calls it; it is exported for readers that want the current JSON without
// decoding it (history views, republishing).
func Upcast(eventType string, version int, data []byte) (int, []byte, error) {
	if _, ok := currentVersions[eventType]; !ok {
		return 0, nil, fmt.Errorf("%w: %q", ErrUnknownEventType, eventType)
	}
	v, out, err := upcast.Data(eventType, version, data)
	switch {
	case errors.Is(err, upcast.ErrMalformed):
		return 0, nil, fmt.Errorf("%w: %v", ErrMalformedEvent, err)
	case errors.Is(err, upcast.ErrUnknownType), errors.Is(err, upcast.ErrUnsupported):
		return 0, nil, fmt.Errorf("%w: %v", ErrUnsupportedVersion, err)
	case err != nil:
		return 0, nil, err
	}
	return v, out, nil
}

// currentVersions is the version each of the aggregate's events is written at.
var currentVersions = func() map[string]int {
	m := map[string]int{}
	for _, ev := range []Event{UserCreated{}, UserUpdated{}, PasswordChanged{}, RoleChanged{}, UserDeleted{}, UserRestored{}, UserForgotten{}} {
		m[ev.EventType()] = ev.SchemaVersion()
	}
	return m
}()
