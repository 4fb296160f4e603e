package user

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The codec between events and the store's columns (event_type,
// schema_version, data). Data is plain JSON with snake_case keys, exactly
// the shapes of docs/contracts-internal.md; the Avro schemas mirror them.

// Marshal encodes ev for the store. It always writes the current schema
// version of ev's type, and refuses an event missing data its type cannot
// do without (ErrMalformedEvent) or a type this package does not define
// (ErrUnknownEventType).
func Marshal(ev Event) (eventType string, version int, data []byte, err error) {
	switch ev.(type) {
	case UserCreated, UserUpdated, PasswordChanged, RoleChanged, UserDeleted, UserRestored, UserForgotten:
	default:
		// Only this package's value types: a look-alike (or a pointer)
		// could encode differently from what Unmarshal returns.
		return "", 0, nil, fmt.Errorf("%w: %T", ErrUnknownEventType, ev)
	}
	if err := checkEvent(ev); err != nil {
		return "", 0, nil, err
	}
	if data, err = json.Marshal(ev); err != nil {
		return "", 0, nil, fmt.Errorf("%w: %s: %v", ErrMalformedEvent, ev.EventType(), err)
	}
	return ev.EventType(), ev.SchemaVersion(), data, nil
}

// Unmarshal decodes stored data of any known version: it upcasts to the
// current version first, then decodes strictly (a JSON object, no unknown
// keys, nothing after it). The errors are ErrUnknownEventType,
// ErrUnsupportedVersion and ErrMalformedEvent.
func Unmarshal(eventType string, version int, data []byte) (Event, error) {
	ev, err := UnmarshalErased(eventType, version, data)
	if err != nil {
		return nil, err
	}
	if err := checkEvent(ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// UnmarshalErased decodes data whose personal fields were erased (the person
// was forgotten, their key is gone, and the reader put "" in their place): like
// Unmarshal, without the checks an erased value would fail.
func UnmarshalErased(eventType string, version int, data []byte) (Event, error) {
	decode, ok := decoders[eventType]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownEventType, eventType)
	}
	_, data, err := Upcast(eventType, version, data)
	if err != nil {
		return nil, err
	}
	ev, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformedEvent, eventType, err)
	}
	return ev, nil
}

// decoders maps each event type to the decoder of its current version.
var decoders = map[string]func([]byte) (Event, error){
	TypeUserCreated:     decodeAs[UserCreated],
	TypeUserUpdated:     decodeAs[UserUpdated],
	TypePasswordChanged: decodeAs[PasswordChanged],
	TypeRoleChanged:     decodeAs[RoleChanged],
	TypeUserDeleted:     decodeAs[UserDeleted],
	TypeUserRestored:    decodeAs[UserRestored],
	TypeUserForgotten:   decodeAs[UserForgotten],
}

func decodeAs[E Event](data []byte) (Event, error) {
	var ev E
	if err := decodeStrict(data, &ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// decodeStrict decodes one JSON object into v, refusing unknown keys and
// trailing data: data that does not match its declared schema version is
// a bug to surface, not to half-read.
func decodeStrict(data []byte, v any) error {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return errors.New("data is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// checker is implemented by events with data they cannot do without.
type checker interface{ check() string }

func checkEvent(ev Event) error {
	if c, ok := ev.(checker); ok {
		if msg := c.check(); msg != "" {
			return fmt.Errorf("%w: %s: %s", ErrMalformedEvent, ev.EventType(), msg)
		}
	}
	return nil
}
