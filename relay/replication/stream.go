package replication

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/recall-events/recall/relay/commits"
	"github.com/recall-events/recall/relay/pgoutput"
)

// finishTimeout bounds how long a stopping session waits for Kafka to ack what is in
// flight before it saves its checkpoint.
const finishTimeout = 20 * time.Second

// ctlTimeout bounds one query on the control connection.
const ctlTimeout = 10 * time.Second

// maxUnsaved bounds the confirmed transactions whose relay_commits rows wait for the
// next checkpoint: past it the checkpoint is saved at once instead of at the next tick,
// so a burst of tiny transactions cannot grow the list (or one INSERT) without bound.
const maxUnsaved = 50_000

// stream is the receive loop of one session. Only its goroutine touches repl.
type stream struct {
	s     *Session
	ctl   *pgx.Conn
	repl  *pgconn.PgConn
	dec   *pgoutput.Decoder
	tr    *tracker
	tx    *txn          // the open transaction, between Begin and Commit
	saved pglogrepl.LSN // the checkpoint row's LSN
	// safe is the newest position the server may be told is confirmed: every transaction
	// with records before it is saved in relay_commits. The tracker's own confirmed
	// position can be ahead (acks arrive while a save runs); confirming that far and
	// dying before the next save would leave those transactions unmapped for good, since
	// the slot never sends them again.
	safe pglogrepl.LSN
	// store saves a checkpoint and its relay_commits rows (the database; a test's fake).
	store func(ctx context.Context, lsn pglogrepl.LSN, cs []commits.Commit) error

	statusDue time.Time
	recvCtx   context.Context // ends at statusDue, so ReceiveMessage wakes up for it
	cancel    context.CancelFunc
}

func newStream(s *Session, ctl *pgx.Conn, repl *pgconn.PgConn, start pglogrepl.LSN) *stream {
	st := &stream{s: s, ctl: ctl, repl: repl, dec: pgoutput.NewDecoder(), saved: start, safe: start}
	st.store = func(ctx context.Context, lsn pglogrepl.LSN, cs []commits.Commit) error {
		return saveCheckpoint(ctx, ctl, s.opts.Slot, lsn, cs)
	}
	m := s.opts.Metrics
	st.tr = newTracker(start, s.opts.MaxInFlight, func(x *txn) {
		if m != nil && x.records > 0 {
			now := time.Now()
			m.CommitToAck.Observe(max(now.Sub(x.commitTime), 0).Seconds())
			m.CommitToReceive.Observe(max(x.received.Sub(x.commitTime), 0).Seconds())
			m.ReceiveToAck.Observe(now.Sub(x.received).Seconds())
			m.Transactions.Inc()
		}
	})
	st.tr.keep = true
	return st
}

func (st *stream) loop(ctx context.Context) error {
	defer func() {
		if st.cancel != nil {
			st.cancel()
		}
	}()
	for {
		if err := st.tickIfDue(ctx); err != nil {
			return err
		}
		msg, err := st.repl.ReceiveMessage(st.recvCtx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if pgconn.Timeout(err) {
				continue
			}
			return fmt.Errorf("replication: receive: %w", err)
		}
		if err := st.handle(ctx, msg); err != nil {
			return err
		}
	}
}

func (st *stream) handle(ctx context.Context, msg pgproto3.BackendMessage) error {
	switch msg := msg.(type) {
	case *pgproto3.CopyData:
		if len(msg.Data) == 0 {
			return fmt.Errorf("replication: empty CopyData")
		}
		switch msg.Data[0] {
		case pglogrepl.PrimaryKeepaliveMessageByteID:
			return st.keepalive(ctx, msg.Data[1:])
		case pglogrepl.XLogDataByteID:
			xld, err := pglogrepl.ParseXLogData(msg.Data[1:])
			if err != nil {
				return fmt.Errorf("replication: %w", err)
			}
			return st.wal(ctx, xld.WALData)
		}
		return nil
	case *pgproto3.ErrorResponse:
		return fmt.Errorf("replication: server: %w", pgconn.ErrorResponseToPgError(msg))
	case *pgproto3.CopyDone:
		return errors.New("replication: server ended the stream")
	default:
		return nil // notices, parameter status
	}
}

func (st *stream) keepalive(ctx context.Context, data []byte) error {
	ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(data)
	if err != nil {
		return fmt.Errorf("replication: %w", err)
	}
	// Between transactions everything before ServerWALEnd has reached us: once it is
	// acked, ServerWALEnd may be confirmed, so idle WAL is released.
	if st.tx == nil {
		st.tr.idle(ka.ServerWALEnd)
	}
	if ka.ReplyRequested {
		return st.sendStatus(ctx)
	}
	return nil
}

func (st *stream) wal(ctx context.Context, data []byte) error {
	m, err := st.dec.Decode(data)
	if err != nil {
		return fmt.Errorf("replication: %w", err)
	}
	switch m := m.(type) {
	case pgoutput.Begin:
		if st.tx != nil {
			return fmt.Errorf("replication: %w: Begin inside an open transaction", pgoutput.ErrUnexpected)
		}
		st.tx = st.tr.begin(m.FinalLSN, m.Xid, m.CommitTime)
	case pgoutput.Insert:
		if st.tx == nil {
			return fmt.Errorf("replication: %w: Insert outside a transaction", pgoutput.ErrUnexpected)
		}
		return st.s.publish(ctx, st.tx, m.Event, st.tick)
	case pgoutput.Commit:
		if st.tx == nil {
			return fmt.Errorf("replication: %w: Commit outside a transaction", pgoutput.ErrUnexpected)
		}
		unsaved := st.tr.commit(st.tx, m.EndLSN)
		st.tx = nil
		if unsaved >= maxUnsaved {
			return st.tick(ctx)
		}
	case pgoutput.Relation:
		st.s.opts.Logger.Debug("relation", "id", m.ID, "namespace", m.Namespace, "name", m.Name, "events", m.IsEvents)
	}
	return nil
}

func (st *stream) tickIfDue(ctx context.Context) error {
	if st.recvCtx != nil && time.Now().Before(st.statusDue) {
		return nil
	}
	return st.tick(ctx)
}

// tick saves the checkpoint, sends a standby status update, reads the slot's lag and
// arms the next one. It also runs while the loop waits for Kafka, so the server hears
// from the relay even when Kafka is slow.
func (st *stream) tick(ctx context.Context) error {
	state := st.tr.state()
	if state.err != nil {
		return fmt.Errorf("replication: publish: %w", state.err)
	}
	// ctl queries must not be cut by ctx: pgx closes a connection whose query was
	// cancelled, and with it the slot's advisory lock and the final checkpoint.
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ctlTimeout)
	defer cancel()
	if err := st.saveCheckpoint(qctx); err != nil {
		return err
	}
	if err := st.sendStatus(ctx); err != nil {
		return err
	}
	if err := st.readLag(qctx); err != nil {
		return err
	}
	if st.cancel != nil {
		st.cancel()
	}
	st.statusDue = time.Now().Add(st.s.opts.StatusInterval)
	st.recvCtx, st.cancel = context.WithDeadline(ctx, st.statusDue)
	return nil
}

// saveCheckpoint moves the durable checkpoint to the end of the newest transaction with
// events that is fully in Kafka, and records those transactions in relay_commits. Idle
// keepalive positions are only sent to the server, never saved: saving writes WAL, which
// would make a new idle position to save. Should the save fail, the session ends and
// the next one streams those transactions (and records them) again.
func (st *stream) saveCheckpoint(ctx context.Context) error {
	data, cs, confirmed := st.tr.checkpoint()
	if data > st.saved || len(cs) > 0 {
		if err := st.store(ctx, max(data, st.saved), cs); err != nil {
			return err
		}
		st.saved = max(data, st.saved)
	}
	st.safe = max(st.safe, confirmed)
	return nil
}

// statusLSN is the position to confirm to the server: safe, moved up to the tracker's
// confirmed position when only idle positions moved it since the last save (so an idle
// database's WAL is released without waiting for a save that has nothing to save).
func (st *stream) statusLSN() pglogrepl.LSN {
	if c, ok := st.tr.settled(st.saved); ok {
		st.safe = max(st.safe, c)
	}
	return st.safe
}

func (st *stream) sendStatus(ctx context.Context) error {
	lsn := st.statusLSN()
	err := pglogrepl.SendStandbyStatusUpdate(ctx, st.repl, pglogrepl.StandbyStatusUpdate{WALWritePosition: lsn})
	if err != nil {
		return fmt.Errorf("replication: standby status: %w", err)
	}
	if m := st.s.opts.Metrics; m != nil {
		m.ConfirmedLSN.Set(float64(lsn))
	}
	return nil
}

// readLag exports the slot's lag. It fails only when ctl is gone: without ctl the
// session has lost its lock and its checkpoint, so it must end.
func (st *stream) readLag(ctx context.Context) error {
	m := st.s.opts.Metrics
	if m == nil {
		return nil
	}
	var lag int64
	err := st.ctl.QueryRow(ctx, `SELECT coalesce((pg_current_wal_lsn() - confirmed_flush_lsn)::bigint, 0)
		FROM pg_replication_slots WHERE slot_name = $1`, st.s.opts.Slot).Scan(&lag)
	if err == nil {
		m.SlotLag.Set(float64(lag))
		return nil
	}
	if st.ctl.IsClosed() {
		return fmt.Errorf("replication: control connection: %w", err)
	}
	return nil
}

// finish is the graceful end: wait (bounded) for Kafka to ack what is in flight, then
// save the checkpoint and tell the server, so a restart repeats as little as possible.
func (st *stream) finish(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	log := st.s.opts.Logger
	if err := drain(ctx, st.tr, finishTimeout); err != nil {
		log.Warn("stopping with records unacked; they will be sent again", "err", err)
	}
	state := st.tr.state()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := st.saveCheckpoint(sctx); err != nil {
		log.Warn("final checkpoint not saved", "err", err)
	}
	if st.repl.IsClosed() {
		return
	}
	if err := st.sendStatus(sctx); err != nil {
		log.Warn("final standby status not sent", "err", err)
	}
	log.Info("replication stopped", "slot", st.s.opts.Slot, "confirmed", state.confirmed.String(), "checkpoint", st.saved.String())
}
