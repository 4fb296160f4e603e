package projection

import (
	"context"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/schemas"
)

// Message is one decoded record.
type Message struct {
	Record *kgo.Record
	Event  schemas.Event
	// Skipped is set by the Handler for a record it had already applied (a
	// redelivery), so metrics count only real work.
	Skipped bool
}

// Handler applies the messages of one partition batch, in offset order.
//
// It returns how many leading messages are durably handled (applied, or
// skipped as already applied). When n < len(msgs), err says why msgs[n] was
// not, and nothing from msgs[n] on may have taken effect: the runtime rewinds
// to msgs[n] (or dead-letters it). A Handler is called from one goroutine per
// partition at a time, concurrently for different partitions.
type Handler interface {
	Handle(ctx context.Context, msgs []Message) (n int, err error)
}

// Decoder turns a record value into an event; *schemas.Decoder is one.
type Decoder interface {
	Decode(ctx context.Context, value []byte) (schemas.Event, error)
}

// Verifier checks a record's signature (its key, value and headers); *schemas.Keyring
// is one. Its errors wrap schemas.ErrSignature, which the runtime dead-letters at once.
type Verifier interface {
	Verify(key, value []byte, headers []schemas.Header) error
}
