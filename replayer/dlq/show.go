package dlq

import (
	"context"
	"encoding/json"

	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
)

// Shown is one dead letter with its record decoded and the projection's
// current state of the aggregate.
type Shown struct {
	readmodel.DeadLetter
	Event       *schemas.Event  `json:"event,omitempty"`
	DecodeError string          `json:"decode_error,omitempty"`
	State       json.RawMessage `json:"projection_state"` // null: no row for the aggregate
	StateError  string          `json:"projection_state_error,omitempty"`
}

// Show returns dead letter id decoded.
func (w *Works) Show(ctx context.Context, id int64) (Shown, error) {
	d, err := readmodel.DeadLetterByID(ctx, w.pool, id)
	if err != nil {
		return Shown{}, err
	}
	s := Shown{DeadLetter: d, State: json.RawMessage("null")}
	if w.decoder != nil {
		if ev, err := w.decoder.Decode(ctx, d.Value); err != nil {
			s.DecodeError = err.Error()
		} else {
			s.Event = &ev
		}
	}
	v, err := usersVersion(d.Projection)
	if err != nil {
		s.StateError = err.Error()
		return s, nil
	}
	state, err := readmodel.UserRowJSON(ctx, w.pool, v, d.AggregateID)
	if err != nil {
		s.StateError = err.Error()
	} else if state != nil {
		s.State = state
	}
	return s, nil
}
