package versions

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// State is a projection version's place in its life.
type State string

// The states.
const (
	Building State = "building"
	Live     State = "live"
	Retired  State = "retired"
)

// ErrNotFound: no such projection version.
var ErrNotFound = errors.New("versions: projection version not found")

// DB is what this package needs of a pool or a connection.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Version is one row of the projections table.
type Version struct {
	Name          string
	Version       int
	State         State
	ConsumerGroup string
	Topic         string
	Tables        []string
	DLQTopic      string
	CreatedAt     time.Time
	PromotedAt    *time.Time
	RetiredAt     *time.Time
	DroppedAt     *time.Time
}

// Group is the consumer group of a projection version:
// recall.projector.<name>.v<version>.
func Group(name string, version int) string {
	return "recall.projector." + name + ".v" + strconv.Itoa(version)
}

// DLQTopic is the dead-letter topic of a consumer group: <group>.dlq. One per
// group, so a rebuild's dead letters never mix with the live version's.
func DLQTopic(group string) string { return group + ".dlq" }

// For describes a new version of a projection over topic with its tables.
func For(name string, version int, topic string, tables ...string) Version {
	g := Group(name, version)
	return Version{Name: name, Version: version, State: Building, ConsumerGroup: g, Topic: topic, Tables: tables, DLQTopic: DLQTopic(g)}
}

const columns = `name, version, state, consumer_group, topic, tables, dlq_topic, created_at, promoted_at, retired_at, dropped_at`

func scan(row pgx.Row) (Version, error) {
	var v Version
	err := row.Scan(&v.Name, &v.Version, &v.State, &v.ConsumerGroup, &v.Topic, &v.Tables, &v.DLQTopic,
		&v.CreatedAt, &v.PromotedAt, &v.RetiredAt, &v.DroppedAt)
	return v, err
}

// Ensure records v if its (name, version) is new: live when the projection has
// no live version yet (the first deployment), building otherwise. An existing
// row is left as it is, so restarts never change a state the replayer set.
func Ensure(ctx context.Context, db DB, v Version) error {
	err := ensure(ctx, db, v)
	var pe *pgconn.PgError
	// Two instances bootstrapping at once: the unique live index refused the
	// second insert; once more, it sees the live row and inserts building (or
	// nothing, when the row is the same version).
	if errors.As(err, &pe) && pe.Code == "23505" {
		err = ensure(ctx, db, v)
	}
	if err != nil {
		return fmt.Errorf("versions: ensure %s v%d: %w", v.Name, v.Version, err)
	}
	return nil
}

func ensure(ctx context.Context, db DB, v Version) error {
	_, err := db.Exec(ctx, `
INSERT INTO projections (name, version, state, consumer_group, topic, tables, dlq_topic, promoted_at)
SELECT $1, $2, s, $3, $4, $5, $6, CASE WHEN s = 'live' THEN now() END
FROM (SELECT CASE WHEN EXISTS (SELECT 1 FROM projections WHERE name = $1 AND state = 'live')
                  THEN 'building' ELSE 'live' END AS s) AS pick
ON CONFLICT (name, version) DO NOTHING`, v.Name, v.Version, v.ConsumerGroup, v.Topic, v.Tables, v.DLQTopic)
	return err
}

// List returns every version of name, oldest first.
func List(ctx context.Context, db DB, name string) ([]Version, error) {
	rows, err := db.Query(ctx, `SELECT `+columns+` FROM projections WHERE name = $1 ORDER BY version`, name)
	if err != nil {
		return nil, fmt.Errorf("versions: list %s: %w", name, err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Version, error) { return scan(r) })
	if err != nil {
		return nil, fmt.Errorf("versions: list %s: %w", name, err)
	}
	return vs, nil
}

// Get returns one version, or ErrNotFound.
func Get(ctx context.Context, db DB, name string, version int) (Version, error) {
	v, err := scan(db.QueryRow(ctx, `SELECT `+columns+` FROM projections WHERE name = $1 AND version = $2`, name, version))
	if errors.Is(err, pgx.ErrNoRows) {
		return Version{}, fmt.Errorf("%w: %s v%d", ErrNotFound, name, version)
	}
	return v, err
}

// Promote makes version the live one of name and retires the previous live
// version, in one transaction: readers see either the old or the new version,
// never none.
func Promote(ctx context.Context, db DB, name string, version int) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE projections SET state = 'retired', retired_at = now()
WHERE name = $1 AND state = 'live' AND version <> $2`, name, version); err != nil {
			return fmt.Errorf("versions: promote: %w", err)
		}
		tag, err := tx.Exec(ctx, `UPDATE projections SET state = 'live', promoted_at = now(), retired_at = NULL
WHERE name = $1 AND version = $2 AND dropped_at IS NULL`, name, version)
		if err != nil {
			return fmt.Errorf("versions: promote: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: %s v%d (or its tables were dropped)", ErrNotFound, name, version)
		}
		return nil
	})
}

// Retire stops consuming and serving version. Retiring the live version leaves
// the projection without one; promote another first.
func Retire(ctx context.Context, db DB, name string, version int) error {
	tag, err := db.Exec(ctx, `UPDATE projections SET state = 'retired', retired_at = coalesce(retired_at, now())
WHERE name = $1 AND version = $2`, name, version)
	if err != nil {
		return fmt.Errorf("versions: retire: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s v%d", ErrNotFound, name, version)
	}
	return nil
}

// MarkDropped records that a retired version's tables are gone.
func MarkDropped(ctx context.Context, db DB, name string, version int) error {
	tag, err := db.Exec(ctx, `UPDATE projections SET dropped_at = now() WHERE name = $1 AND version = $2 AND state = 'retired'`, name, version)
	if err != nil {
		return fmt.Errorf("versions: mark dropped: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: retired %s v%d", ErrNotFound, name, version)
	}
	return nil
}
