package readmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DeadLetterChannel is notified (payload: the projection) when dead letters are
// resolved, so a projector whose partition waits on that aggregate retries at once
// instead of after its backoff.
const DeadLetterChannel = "recall_dead_letters"

// Error kinds of a dead letter: a fixed set, so metrics have fixed labels.
const (
	KindDecode   = "decode"   // the value could not be decoded (framing, schema, registry)
	KindApply    = "apply"    // the projection refused the event (poison)
	KindAttempts = "attempts" // a record error persisted for every attempt
	KindBlocked  = "blocked"  // a later revision of an aggregate with an earlier dead letter
	// KindSignature: the record's signature did not verify. Whoever can produce to the
	// topic may have forged it, so it is never retried (replayer dlq retry).
	KindSignature = "signature"
)

// DeadLetterKinds are every error kind, in a stable order.
var DeadLetterKinds = []string{KindDecode, KindApply, KindAttempts, KindBlocked, KindSignature}

// Resolutions of a dead letter.
const (
	Retried   = "retried"
	Discarded = "discarded"
)

// ErrDeadLetterNotFound: no dead letter with that id.
var ErrDeadLetterNotFound = errors.New("readmodel: dead letter not found")

// DB is what the dead-letter functions need: a pool, a connection or a transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Header is one Kafka record header of a dead letter.
type Header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// DeadLetter is one row of projector_dead_letters.
type DeadLetter struct {
	ID            int64      `json:"id"`
	Projection    string     `json:"projection"`
	Topic         string     `json:"topic"`
	Partition     int32      `json:"partition"`
	Offset        int64      `json:"offset"`
	AggregateID   string     `json:"aggregate_id"`
	Revision      int64      `json:"revision"`
	Error         string     `json:"error"`
	Kind          string     `json:"error_kind"`
	Attempts      int        `json:"attempts"`
	FirstFailedAt time.Time  `json:"first_failed_at"`
	LastFailedAt  time.Time  `json:"last_failed_at"`
	Key           []byte     `json:"-"`
	Value         []byte     `json:"-"`
	Headers       []Header   `json:"headers,omitempty"`
	ResolvedAt    *time.Time `json:"resolved_at,omitempty"`
	Resolution    string     `json:"resolution,omitempty"`
	ResolvedBy    string     `json:"resolved_by,omitempty"`
	Reason        string     `json:"reason,omitempty"`
}

// Open reports whether d is not resolved.
func (d DeadLetter) Open() bool { return d.ResolvedAt == nil }

// InsertDeadLetter records d (its id, attempts and times are set by the
// database). A second insert of the same record while its letter is open (a retried
// produce) changes nothing. One after the letter was resolved (the record failed again
// after a reset replayed it) opens it again, with one more attempt: it is not applied,
// so it must show (the earlier resolution stays in ops_log).
func InsertDeadLetter(ctx context.Context, db DB, d DeadLetter) error {
	headers, err := json.Marshal(d.Headers)
	if err != nil {
		return fmt.Errorf("readmodel: dead letter headers: %w", err)
	}
	_, err = db.Exec(ctx, `
INSERT INTO projector_dead_letters (projection, topic, partition, record_offset, aggregate_id, revision, error,
    error_kind, attempts, record_key, record_value, record_headers)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, greatest($9, 1), $10, $11, $12)
ON CONFLICT (projection, topic, partition, record_offset) DO UPDATE SET
    resolved_at = NULL, resolution = NULL, resolved_by = NULL, resolve_reason = NULL,
    attempts = projector_dead_letters.attempts + 1, last_failed_at = now(),
    error = EXCLUDED.error, error_kind = EXCLUDED.error_kind
WHERE projector_dead_letters.resolved_at IS NOT NULL`,
		d.Projection, d.Topic, d.Partition, d.Offset, d.AggregateID, d.Revision, d.Error,
		d.Kind, d.Attempts, d.Key, d.Value, headers)
	if err != nil {
		return fmt.Errorf("readmodel: record dead letter: %w", err)
	}
	return nil
}

// DeadLetterFilter selects dead letters; zero fields select everything.
type DeadLetterFilter struct {
	IDs         []int64
	Projection  string
	AggregateID string
	Since       time.Time // last failure at or after
	OpenOnly    bool
}

const deadLetterColumns = `id, projection, topic, partition, record_offset, aggregate_id, revision, error,
    error_kind, attempts, dead_at, last_failed_at, coalesce(record_key, ''), coalesce(record_value, ''),
    coalesce(record_headers, '[]'), resolved_at, coalesce(resolution, ''), coalesce(resolved_by, ''),
    coalesce(resolve_reason, '')`

// ListDeadLetters returns the dead letters f selects, by projection, aggregate and
// revision: the order a retry applies them in.
func ListDeadLetters(ctx context.Context, db DB, f DeadLetterFilter) ([]DeadLetter, error) {
	var where []string
	var args []any
	arg := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if len(f.IDs) > 0 {
		arg("id = ANY($%d)", f.IDs)
	}
	if f.Projection != "" {
		arg("projection = $%d", f.Projection)
	}
	if f.AggregateID != "" {
		arg("aggregate_id = $%d", strings.ToLower(f.AggregateID))
	}
	if !f.Since.IsZero() {
		arg("last_failed_at >= $%d", f.Since)
	}
	if f.OpenOnly {
		where = append(where, "resolved_at IS NULL")
	}
	q := "SELECT " + deadLetterColumns + " FROM projector_dead_letters"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.Query(ctx, q+" ORDER BY projection, aggregate_id, revision, id", args...)
	if err != nil {
		return nil, fmt.Errorf("readmodel: dead letters: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanDeadLetter)
	if err != nil {
		return nil, fmt.Errorf("readmodel: dead letters: %w", err)
	}
	return out, nil
}

// DeadLetterByID returns one dead letter or ErrDeadLetterNotFound.
func DeadLetterByID(ctx context.Context, db DB, id int64) (DeadLetter, error) {
	ds, err := ListDeadLetters(ctx, db, DeadLetterFilter{IDs: []int64{id}})
	if err != nil {
		return DeadLetter{}, err
	}
	if len(ds) == 0 {
		return DeadLetter{}, fmt.Errorf("%w: %d", ErrDeadLetterNotFound, id)
	}
	return ds[0], nil
}

func scanDeadLetter(row pgx.CollectableRow) (DeadLetter, error) {
	var d DeadLetter
	var headers []byte
	err := row.Scan(&d.ID, &d.Projection, &d.Topic, &d.Partition, &d.Offset, &d.AggregateID, &d.Revision, &d.Error,
		&d.Kind, &d.Attempts, &d.FirstFailedAt, &d.LastFailedAt, &d.Key, &d.Value, &headers,
		&d.ResolvedAt, &d.Resolution, &d.ResolvedBy, &d.Reason)
	if err != nil {
		return d, err
	}
	return d, json.Unmarshal(headers, &d.Headers)
}

// ResolveDeadLetters marks the open ones of ids resolved (Retried or
// Discarded) by whom and why, and notifies DeadLetterChannel. It returns how
// many it marked; already resolved ones are left as they are.
func ResolveDeadLetters(ctx context.Context, db DB, ids []int64, resolution, by, reason string) (int64, error) {
	tag, err := db.Exec(ctx, `
WITH done AS (
    UPDATE projector_dead_letters SET resolved_at = now(), resolution = $2, resolved_by = $3, resolve_reason = nullif($4, '')
    WHERE id = ANY($1) AND resolved_at IS NULL RETURNING projection)
SELECT pg_notify($5, projection) FROM (SELECT DISTINCT projection FROM done) p`,
		ids, resolution, by, reason, DeadLetterChannel)
	if err != nil {
		return 0, fmt.Errorf("readmodel: resolve dead letters: %w", err)
	}
	return tag.RowsAffected(), nil
}

// FailedAgain counts one more failed attempt of an open dead letter.
func FailedAgain(ctx context.Context, db DB, id int64, cause string) error {
	_, err := db.Exec(ctx, `UPDATE projector_dead_letters SET attempts = attempts + 1, last_failed_at = now(), error = $2
WHERE id = $1 AND resolved_at IS NULL`, id, cause)
	if err != nil {
		return fmt.Errorf("readmodel: count dead letter attempt: %w", err)
	}
	return nil
}

// OpenDeadLetterCounts returns the open dead letters per projection and error kind.
func OpenDeadLetterCounts(ctx context.Context, db DB) (map[[2]string]int, error) {
	rows, err := db.Query(ctx, `SELECT projection, error_kind, count(*) FROM projector_dead_letters
WHERE resolved_at IS NULL GROUP BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("readmodel: count dead letters: %w", err)
	}
	out := map[[2]string]int{}
	var p, k string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&p, &k, &n}, func() error { out[[2]string{p, k}] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("readmodel: count dead letters: %w", err)
	}
	return out, nil
}

// UserRowJSON returns the row of aggregate id in users version v as JSON, or
// nil when it has none: what ops compare a dead letter against.
func UserRowJSON(ctx context.Context, db DB, v int, id string) (json.RawMessage, error) {
	if !UsersSupported(v) {
		return nil, fmt.Errorf("readmodel: users version %d unknown", v)
	}
	var b []byte
	err := db.QueryRow(ctx, `SELECT row_to_json(t) FROM `+pgx.Identifier{UsersTable(v)}.Sanitize()+` t WHERE id::text = $1`,
		strings.ToLower(id)).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("readmodel: %s row: %w", UsersTable(v), err)
	}
	return b, nil
}
