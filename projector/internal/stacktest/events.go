package stacktest

import (
	"encoding/json"
	"sync/atomic"
	"time"

	"github.com/recall-events/recall/schemas"
)

var position atomic.Int64

// plaintext is the newest version of each type whose personal fields are plaintext, the
// default of Event: the sealed versions need a data key (see Sealed).
var plaintext = map[string]int{"UserCreated": 2, "UserUpdated": 1, "UserDeleted": 1, "UserRestored": 1}

// Event makes an event of aggregate id at revision with data (marshalled to
// JSON) and the newest plaintext schema version of its type unless version is
// given.
func Event(id string, revision int64, eventType string, data any, version ...int) schemas.Event {
	v := schemas.CurrentVersion(eventType)
	if p, ok := plaintext[eventType]; ok {
		v = p
	}
	if len(version) > 0 {
		v = version[0]
	}
	d, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return schemas.Event{
		EventID:        NewID(),
		AggregateType:  "user",
		AggregateID:    id,
		Revision:       revision,
		EventType:      eventType,
		SchemaVersion:  v,
		RecordedAt:     time.Now().UTC().Truncate(time.Microsecond),
		GlobalPosition: position.Add(1),
		Metadata:       json.RawMessage(`{"actor_id":"00000000-0000-0000-0000-000000000001","actor_role":"admin"}`),
		Data:           d,
	}
}

// Created is UserCreated v2.
func Created(id, username, email, first, last, role string) schemas.Event {
	return Event(id, 1, "UserCreated", map[string]string{
		"username": username, "email": email, "first_name": first, "last_name": last, "role": role,
	})
}

// CreatedV1 is the historical UserCreated v1 with full_name.
func CreatedV1(id, username, email, fullName, role string) schemas.Event {
	return Event(id, 1, "UserCreated", map[string]string{
		"username": username, "email": email, "full_name": fullName, "role": role,
	}, 1)
}

// Updated is UserUpdated; nil fields are unchanged.
func Updated(id string, revision int64, first, last, email *string) schemas.Event {
	return Event(id, revision, "UserUpdated", map[string]*string{"first_name": first, "last_name": last, "email": email})
}

// RoleChanged is RoleChanged.
func RoleChanged(id string, revision int64, role, previous string) schemas.Event {
	return Event(id, revision, "RoleChanged", map[string]string{"role": role, "previous_role": previous})
}

// Deleted is UserDeleted.
func Deleted(id string, revision int64, username, email string) schemas.Event {
	return Event(id, revision, "UserDeleted", map[string]string{"username": username, "email": email})
}

// Restored is UserRestored.
func Restored(id string, revision int64, username, email string) schemas.Event {
	return Event(id, revision, "UserRestored", map[string]string{"username": username, "email": email})
}

// PasswordChanged is PasswordChanged.
func PasswordChanged(id string, revision int64) schemas.Event {
	return Event(id, revision, "PasswordChanged", map[string]bool{"reset_by_admin": false})
}

// Ptr returns &s.
func Ptr(s string) *string { return &s }
