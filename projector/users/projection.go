package users

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/readmodel"
)

// Name is the projection's name in the projections table.
const Name = readmodel.Projection

// errConcurrentWrite: a row changed under the batch (only possible while the
// same aggregate is on two partitions, e.g. after a repartitioning). It is
// transient: the retry reads the row again.
var errConcurrentWrite = errors.New("users: row changed concurrently")

// Projection is the users projection of one version; a projection.Handler.
type Projection struct {
	pool    *pgxpool.Pool
	version int
	name    string // users_v1
	table   string // quoted
}

// New returns the projection of version v; Setup must have created its table.
func New(pool *pgxpool.Pool, v int) (*Projection, error) {
	if !Supported(v) {
		return nil, fmt.Errorf("users: version %d is unknown to this build", v)
	}
	name := readmodel.UsersTable(v)
	return &Projection{pool: pool, version: v, name: name, table: pgx.Identifier{name}.Sanitize()}, nil
}

// Handle applies msgs in one transaction; see the package doc.
func (p *Projection) Handle(ctx context.Context, msgs []projection.Message) (int, error) {
	limit, stopErr := len(msgs), error(nil)
	for i, m := range msgs {
		if !isUUID(m.Event.AggregateID) {
			limit, stopErr = i, projection.Poison(fmt.Errorf("aggregate id %q is not a UUID", m.Event.AggregateID))
			break
		}
	}
	var n int
	err := pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		rows, err := p.load(ctx, tx, msgs[:limit])
		if err != nil {
			return err
		}
		var foldErr error
		n, foldErr = fold(rows, msgs[:limit])
		if foldErr != nil {
			stopErr = foldErr
		}
		return p.write(ctx, tx, rows)
	})
	if err != nil {
		return 0, fmt.Errorf("users: apply batch: %w", err)
	}
	return n, stopErr
}

// fold applies msgs in order to rows (keyed by id) until the first event that
// cannot apply, and returns how many were handled.
func fold(rows map[string]*row, msgs []projection.Message) (int, error) {
	for i := range msgs {
		ev := msgs[i].Event
		ev.AggregateID = strings.ToLower(ev.AggregateID) // rows are keyed as PostgreSQL prints uuids
		r := rows[ev.AggregateID]
		stored := int64(0)
		if r != nil {
			stored = r.revision
		}
		switch {
		case ev.Revision <= stored:
			msgs[i].Skipped = true
			continue
		case ev.Revision != stored+1:
			return i, &projection.GapError{AggregateID: ev.AggregateID, Stored: stored, Got: ev.Revision}
		}
		next, err := apply(r, ev)
		if err != nil {
			return i, err
		}
		if r != nil {
			next.base = r.base
		}
		rows[ev.AggregateID] = next
	}
	return len(msgs), nil
}

// load reads, and locks, the rows of every aggregate in msgs.
func (p *Projection) load(ctx context.Context, tx pgx.Tx, msgs []projection.Message) (map[string]*row, error) {
	ids := make([]string, 0, len(msgs))
	seen := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		if id := strings.ToLower(m.Event.AggregateID); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	out := make(map[string]*row, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `SELECT id::text, username, email, first_name, last_name, role, status,
created_at, updated_at, deleted_at, revision FROM `+p.table+` WHERE id = ANY($1::text[]::uuid[]) FOR UPDATE`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		r := &row{}
		if err := rows.Scan(&r.id, &r.username, &r.email, &r.first, &r.last, &r.role, &r.status,
			&r.created, &r.updated, &r.deleted, &r.revision); err != nil {
			return nil, err
		}
		r.base = r.revision
		out[r.id] = r
	}
	return out, rows.Err()
}

// columns holds the changed rows column-wise for unnest.
type columns struct {
	id, username, email, first, last, role, status []string
	created, updated                               []time.Time
	deleted                                        []*time.Time
	revision, base                                 []int64
}

func (c *columns) add(r *row) {
	c.id, c.username, c.email = append(c.id, r.id), append(c.username, r.username), append(c.email, r.email)
	c.first, c.last, c.role = append(c.first, r.first), append(c.last, r.last), append(c.role, r.role)
	c.status, c.created, c.updated = append(c.status, r.status), append(c.created, r.created), append(c.updated, r.updated)
	c.deleted, c.revision, c.base = append(c.deleted, r.deleted), append(c.revision, r.revision), append(c.base, r.base)
}

func (c *columns) args() []any {
	return []any{c.id, c.username, c.email, c.first, c.last, c.role, c.status, c.created, c.updated, c.deleted, c.revision, c.base}
}

const unnest = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
$8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::int8[], $12::int8[])
AS u(id, username, email, first_name, last_name, role, status, created_at, updated_at, deleted_at, revision, base)`

// write stores the rows whose revision moved: new rows with one INSERT,
// existing ones with one UPDATE guarded by the revision read. Then it
// notifies waiters.
func (p *Projection) write(ctx context.Context, tx pgx.Tx, rows map[string]*row) error {
	var ins, upd columns
	for _, r := range rows {
		switch {
		case r.base == r.revision:
		case r.base == 0:
			ins.add(r)
		default:
			upd.add(r)
		}
	}
	if len(ins.id) > 0 {
		tag, err := tx.Exec(ctx, `INSERT INTO `+p.table+` (id, username, email, first_name, last_name, role, status,
created_at, updated_at, deleted_at, revision)
SELECT id::uuid, username, email, first_name, last_name, role, status, created_at, updated_at, deleted_at, revision
FROM `+unnest+` ON CONFLICT (id) DO NOTHING`, ins.args()...)
		if err != nil {
			return err
		}
		if int(tag.RowsAffected()) != len(ins.id) {
			return errConcurrentWrite
		}
	}
	if len(upd.id) > 0 {
		tag, err := tx.Exec(ctx, `UPDATE `+p.table+` AS t SET username = u.username, email = u.email,
first_name = u.first_name, last_name = u.last_name, role = u.role, status = u.status,
updated_at = u.updated_at, deleted_at = u.deleted_at, revision = u.revision
FROM `+unnest+` WHERE t.id = u.id::uuid AND t.revision = u.base`, upd.args()...)
		if err != nil {
			return err
		}
		if int(tag.RowsAffected()) != len(upd.id) {
			return errConcurrentWrite
		}
	}
	if len(ins.id)+len(upd.id) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, readmodel.NotifyChannel, p.name)
	return err
}

// isUUID reports the canonical 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
		} else if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
