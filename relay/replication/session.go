package replication

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/recall-events/recall/schemas"
)

// Session streams one slot until ctx ends or the connection fails. A relay runs one
// Session after another (with backoff) for its whole life.
type Session struct {
	opts Options
	pub  Publisher
}

// NewSession checks opts and returns a Session publishing to pub.
func NewSession(opts Options, pub Publisher) (*Session, error) {
	opts.withDefaults()
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	return &Session{opts: opts, pub: pub}, nil
}

// Run runs the session. It returns ErrStandby (wrapped) when another relay holds the
// slot, ctx.Err() after a graceful stop (in-flight records acked and checkpointed), or
// the error that ended the stream.
func (s *Session) Run(ctx context.Context) error {
	o := s.opts
	ctl, err := pgx.Connect(ctx, o.DatabaseURL)
	if err != nil {
		return fmt.Errorf("replication: connect: %w", err)
	}
	defer ctl.Close(context.WithoutCancel(ctx))
	locked, err := lockSlot(ctx, ctl, o.Slot)
	if err != nil {
		return err
	}
	if !locked {
		return fmt.Errorf("%w: %s", ErrStandby, o.Slot)
	}
	repl, err := connectReplication(ctx, o.DatabaseURL)
	if err != nil {
		return err
	}
	defer repl.Close(context.WithoutCancel(ctx))
	start, err := s.startLSN(ctx, ctl, repl)
	if err != nil {
		return err
	}
	if err := startReplication(ctx, repl, o, start); err != nil {
		return err
	}
	o.Logger.Info("streaming replication slot", "slot", o.Slot, "publication", o.Publication, "from", start.String())
	st := newStream(s, ctl, repl, start)
	o.Metrics.setConnected(true)
	defer o.Metrics.setConnected(false)
	if o.Streaming != nil {
		o.Streaming(true)
		defer o.Streaming(false)
	}
	err = st.loop(ctx)
	st.finish(ctx)
	return err
}

// startLSN is the durable checkpoint, or the consistent point of a fresh slot once its
// initial snapshot is in Kafka.
func (s *Session) startLSN(ctx context.Context, ctl *pgx.Conn, repl *pgconn.PgConn) (pglogrepl.LSN, error) {
	lsn, ok, err := LoadCheckpoint(ctx, ctl, s.opts.Slot)
	if err != nil {
		return 0, err
	}
	if !ok {
		return s.initialSnapshot(ctx, ctl, repl)
	}
	exists, err := slotExists(ctx, ctl, s.opts.Slot)
	if err != nil {
		return 0, err
	}
	if !exists {
		return 0, fmt.Errorf("%w: slot %s, checkpoint %s", ErrSlotLost, s.opts.Slot, lsn)
	}
	return lsn, nil
}

// publish hands e to the Publisher as a record of x, first waiting (and meanwhile
// calling tick, when given) while MaxInFlight records are unacked.
func (s *Session) publish(ctx context.Context, x *txn, e schemas.Event, tick func(context.Context) error) error {
	for {
		ok, err := x.reserve(e.GlobalPosition)
		if err != nil {
			return fmt.Errorf("replication: publish: %w", err)
		}
		if ok {
			break
		}
		if err := s.waitSpace(ctx, x.t, tick); err != nil {
			return err
		}
	}
	// The record must outlive a cancelled ctx: a graceful stop waits for its ack.
	s.pub.Publish(context.WithoutCancel(ctx), e, x.commitText, x.ack)
	return nil
}

func (s *Session) waitSpace(ctx context.Context, tr *tracker, tick func(context.Context) error) error {
	timer := time.NewTimer(s.opts.StatusInterval)
	defer timer.Stop()
	select {
	case <-tr.space:
		return nil
	case <-timer.C:
		if tick != nil {
			return tick(ctx)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// IsStandby reports whether err means another relay holds the slot.
func IsStandby(err error) bool { return errors.Is(err, ErrStandby) }
