package users

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
	"github.com/recall-events/recall/schemas/upcast"
)

var errNoUser = errors.New("event for a user that was never created")

type createdData struct {
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Role      string `json:"role"`
}

type updatedData struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Email     *string `json:"email"`
}

type roleData struct {
	Role string `json:"role"`
}

// apply folds ev (already checked to be the next revision) into r, which is
// nil when the user has no row yet, and returns the new row. Errors are
// poison: the event can never apply.
func apply(r *readmodel.Row, ev schemas.Event) (*readmodel.Row, error) {
	_, data, err := upcast.Data(ev.EventType, ev.SchemaVersion, ev.Data)
	if err != nil {
		return nil, projection.Poison(err)
	}
	if ev.EventType == "UserCreated" {
		if r != nil || ev.Revision != 1 {
			return nil, projection.Poison(fmt.Errorf("UserCreated at revision %d", ev.Revision))
		}
		var d createdData
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, projection.Poison(fmt.Errorf("UserCreated data: %w", err))
		}
		return &readmodel.Row{ID: ev.AggregateID, Username: d.Username, Email: d.Email, FirstName: d.FirstName, LastName: d.LastName,
			Role: d.Role, Status: "active", CreatedAt: ev.RecordedAt, UpdatedAt: ev.RecordedAt, Revision: ev.Revision,
			LastEventID: ev.EventID}, nil
	}
	if r == nil {
		return nil, projection.Poison(fmt.Errorf("%s at revision %d: %w", ev.EventType, ev.Revision, errNoUser))
	}
	next := *r
	if err := change(&next, ev.EventType, data, ev.RecordedAt); err != nil {
		return nil, projection.Poison(fmt.Errorf("%s data: %w", ev.EventType, err))
	}
	if r.Status == readmodel.StatusForgotten {
		// Another version applied the forget first and scrubbed this row (ScrubUser):
		// the events before the forget that this version still has to fold may not
		// bring anything back, neither a name opened with a key this process still
		// caches nor an "active" status that would list the person.
		next.Status = readmodel.StatusForgotten
		next.Username, next.Email, next.FirstName, next.LastName = "", "", "", ""
	}
	next.UpdatedAt, next.Revision, next.LastEventID = ev.RecordedAt, ev.Revision, ev.EventID
	return &next, nil
}

// change applies the effect of one non-creating event type to r.
func change(r *readmodel.Row, eventType string, data []byte, at time.Time) error {
	switch eventType {
	case "UserUpdated":
		var d updatedData
		if err := json.Unmarshal(data, &d); err != nil {
			return err
		}
		set(&r.FirstName, d.FirstName)
		set(&r.LastName, d.LastName)
		set(&r.Email, d.Email)
	case "RoleChanged":
		var d roleData
		if err := json.Unmarshal(data, &d); err != nil {
			return err
		}
		r.Role = d.Role
	case "UserDeleted":
		r.Status, r.DeletedAt = "deleted", &at
	case "UserRestored":
		// v1 copied username and email; the row kept them through the deletion.
		r.Status, r.DeletedAt = "active", nil
	case "UserForgotten":
		// A tombstone: GET answers 410 forgotten, lists skip it, nothing personal stays.
		r.Status = readmodel.StatusForgotten
		r.Username, r.Email, r.FirstName, r.LastName = "", "", "", ""
	case "PasswordChanged":
		// Nothing of it is in the read model; updated_at and the revision move.
	default:
		return fmt.Errorf("unknown event type %q", eventType)
	}
	return nil
}

func set(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}
