package users

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
)

// Name is the projection's name in the projections table.
const Name = readmodel.Projection

// Projection is the users projection of one version; a projection.Handler.
type Projection struct {
	pool    *pgxpool.Pool
	version int
	writer  *readmodel.UsersWriter
}

// New returns the projection of version v; Setup must have created its table.
func New(pool *pgxpool.Pool, v int) (*Projection, error) {
	w, err := readmodel.NewUsersWriter(v)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return &Projection{pool: pool, version: v, writer: w}, nil
}

// Handle applies msgs in one transaction; see the package doc.
func (p *Projection) Handle(ctx context.Context, msgs []projection.Message) (int, error) {
	limit, stopErr := len(msgs), error(nil)
	for i, m := range msgs {
		if !schemas.IsUUID(m.Event.AggregateID) {
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
		return p.writer.Write(ctx, tx, rows)
	})
	if err != nil {
		return 0, fmt.Errorf("users: apply batch: %w", err)
	}
	return n, stopErr
}

// fold applies msgs in order to rows (keyed by id) until the first event that
// cannot apply, and returns how many were handled.
func fold(rows map[string]*readmodel.Row, msgs []projection.Message) (int, error) {
	for i := range msgs {
		ev := msgs[i].Event
		ev.AggregateID = strings.ToLower(ev.AggregateID) // rows are keyed as PostgreSQL prints uuids
		r := rows[ev.AggregateID]
		stored := int64(0)
		if r != nil {
			stored = r.Revision
		}
		switch {
		case ev.Revision == stored && r.LastEventID != "" && !strings.EqualFold(r.LastEventID, ev.EventID):
			return i, &projection.IntegrityError{AggregateID: ev.AggregateID, Revision: stored,
				AppliedEventID: r.LastEventID, ReceivedEventID: ev.EventID}
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
		rows[ev.AggregateID] = next
	}
	return len(msgs), nil
}

// load reads, and locks, the rows of every aggregate in msgs.
func (p *Projection) load(ctx context.Context, tx pgx.Tx, msgs []projection.Message) (map[string]*readmodel.Row, error) {
	ids := make([]string, 0, len(msgs))
	seen := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		if id := strings.ToLower(m.Event.AggregateID); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return p.writer.Lock(ctx, tx, ids)
}
