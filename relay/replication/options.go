package replication

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/recall-events/recall/schemas"
)

// Publisher sends events to the broker. Publish returns at once; done is called exactly
// once per event, from any goroutine, when the broker has acked it (nil) or failed.
// Events of one aggregate must reach the broker in the order published.
type Publisher interface {
	Publish(ctx context.Context, e schemas.Event, commitLSN string, done func(error))
}

// Options configure a Session.
type Options struct {
	DatabaseURL string
	Slot        string // replication slot, also the checkpoint key
	Publication string
	// StatusInterval is how often a standby status update is sent unasked (and the
	// checkpoint saved); the server's wal_sender_timeout (60 s by default) must exceed it.
	StatusInterval time.Duration
	// MaxInFlight bounds the records published but not yet acked: the relay's memory.
	MaxInFlight int
	Logger      *slog.Logger
	Metrics     *Metrics // nil: none
	// Streaming, when set, is told when the session starts and stops streaming the slot
	// (the relay's readiness).
	Streaming func(bool)
}

// Defaults of Options.
const (
	DefaultSlot           = "recall_relay"
	DefaultPublication    = "recall_events"
	DefaultStatusInterval = time.Second
	DefaultMaxInFlight    = 20000
)

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// ErrStandby: another relay holds the slot; try again later.
var ErrStandby = errors.New("replication: slot is held by another relay")

// ErrSlotLost: a checkpoint exists but its slot does not, so WAL since the checkpoint
// may be gone. The relay refuses to guess; delete the checkpoint row to snapshot again.
var ErrSlotLost = errors.New("replication: replication slot missing for an existing checkpoint")

func (o *Options) withDefaults() {
	if o.Slot == "" {
		o.Slot = DefaultSlot
	}
	if o.Publication == "" {
		o.Publication = DefaultPublication
	}
	if o.StatusInterval <= 0 {
		o.StatusInterval = DefaultStatusInterval
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports every problem of o at once.
func (o Options) Validate() error {
	var errs []error
	if o.DatabaseURL == "" {
		errs = append(errs, errors.New("database URL is empty"))
	}
	// Slot and publication go into replication commands unquoted: keep them plain.
	if o.Slot != "" && !identifier.MatchString(o.Slot) {
		errs = append(errs, fmt.Errorf("slot %q: want lower-case letters, digits and _ (at most 63)", o.Slot))
	}
	if o.Publication != "" && !identifier.MatchString(o.Publication) {
		errs = append(errs, fmt.Errorf("publication %q: want lower-case letters, digits and _ (at most 63)", o.Publication))
	}
	if o.StatusInterval < 0 || o.StatusInterval > 30*time.Second {
		errs = append(errs, fmt.Errorf("status interval %v: want at most 30s (below wal_sender_timeout)", o.StatusInterval))
	}
	if o.MaxInFlight < 0 {
		errs = append(errs, fmt.Errorf("max in flight %d is negative", o.MaxInFlight))
	}
	return errors.Join(errs...)
}
