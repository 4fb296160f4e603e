package upcast

import (
	"errors"
	"fmt"

	"github.com/recall-events/recall/schemas/upcast"
)

// ErrUnsupported: the event type is unknown to the projector, or its version is
// newer than the code (deploy a newer projector) or has no step to lift it.
var ErrUnsupported = errors.New("upcast: unsupported event type or version")

// ErrMalformed: the data of an old version is not the JSON its schema promised.
var ErrMalformed = errors.New("upcast: malformed data")

// Data lifts data of (eventType, version) to the current version with the contract's
// upcasters (schemas/upcast), the same ones the aggregate uses, so the read model shows
// what the aggregate shows. Current data is returned as is, without copying.
func Data(eventType string, version int, data []byte) (int, []byte, error) {
	v, out, err := upcast.Data(eventType, version, data)
	switch {
	case errors.Is(err, upcast.ErrMalformed):
		return 0, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	case err != nil:
		return 0, nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	return v, out, nil
}
