package replication

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// SQLSTATEs the session turns into ErrStandby: another relay holds or just created the
// slot.
const (
	codeObjectInUse    = "55006"
	codeDuplicateObect = "42710"
)

func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// replicationReadBuffer is the read buffer of the replication connection.
const replicationReadBuffer = 256 << 10

// connectReplication opens a logical replication connection. DateStyle and TimeZone fix
// how pgoutput prints timestamptz, the one column whose text depends on the session.
func connectReplication(ctx context.Context, url string) (*pgconn.PgConn, error) {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	cfg.RuntimeParams["replication"] = "database"
	cfg.RuntimeParams["DateStyle"] = "ISO"
	cfg.RuntimeParams["TimeZone"] = "UTC"
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "recall-relay"
	}
	// The walsender sends one CopyData per change: read them in large chunks, so a
	// backlog costs a read per hundreds of events, not per few.
	cfg.BuildFrontend = func(r io.Reader, w io.Writer) *pgproto3.Frontend {
		return pgproto3.NewFrontend(bufio.NewReaderSize(r, replicationReadBuffer), w)
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("replication: connect: %w", err)
	}
	return conn, nil
}

// lockSlot takes the session advisory lock that makes one relay the slot's streamer. It
// is held by ctl's session and released when that connection closes, also when the
// process dies.
func lockSlot(ctx context.Context, ctl *pgx.Conn, slot string) (bool, error) {
	var ok bool
	err := ctl.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtextextended('recall_relay_slot:' || $1, 0))", slot).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("replication: lock slot %s: %w", slot, err)
	}
	return ok, nil
}

func slotExists(ctx context.Context, ctl *pgx.Conn, slot string) (bool, error) {
	var ok bool
	err := ctl.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)", slot).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("replication: look up slot %s: %w", slot, err)
	}
	return ok, nil
}

func dropSlot(ctx context.Context, ctl *pgx.Conn, slot string) error {
	_, err := ctl.Exec(ctx, "SELECT pg_drop_replication_slot($1)", slot)
	if isCode(err, codeObjectInUse) {
		return fmt.Errorf("%w: %w", ErrStandby, err)
	}
	if err != nil {
		return fmt.Errorf("replication: drop slot %s: %w", slot, err)
	}
	return nil
}

// createSlot creates the slot and exports its snapshot; the snapshot lives until repl
// runs its next command.
func createSlot(ctx context.Context, repl *pgconn.PgConn, slot string) (pglogrepl.CreateReplicationSlotResult, pglogrepl.LSN, error) {
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, slot, "pgoutput", pglogrepl.CreateReplicationSlotOptions{
		Mode: pglogrepl.LogicalReplication, SnapshotAction: "EXPORT_SNAPSHOT",
	})
	if isCode(err, codeDuplicateObect) {
		return res, 0, fmt.Errorf("%w: %w", ErrStandby, err)
	}
	if err != nil {
		return res, 0, fmt.Errorf("replication: create slot %s: %w", slot, err)
	}
	lsn, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return res, 0, fmt.Errorf("replication: slot %s consistent point: %w", slot, err)
	}
	return res, lsn, nil
}

func startReplication(ctx context.Context, repl *pgconn.PgConn, o Options, start pglogrepl.LSN) error {
	err := pglogrepl.StartReplication(ctx, repl, o.Slot, start, pglogrepl.StartReplicationOptions{
		Mode:       pglogrepl.LogicalReplication,
		PluginArgs: []string{"proto_version '1'", "publication_names '" + o.Publication + "'"},
	})
	if isCode(err, codeObjectInUse) {
		return fmt.Errorf("%w: %w", ErrStandby, err)
	}
	if err != nil {
		return fmt.Errorf("replication: start replication on %s at %s: %w", o.Slot, start, err)
	}
	return nil
}
