package seed

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Backlog describes whole user streams to insert: revision 1 is a UserCreated (v2), the
// rest UserUpdated (v1), shaped like the relay's own drain benchmark rows (≈90 B of data,
// ≈200 B of metadata).
type Backlog struct {
	Streams   int
	PerStream int // events per stream
	PerTx     int // events per transaction; a stream never shares a transaction
	Workers   int // concurrent inserters; default 4
}

// Events is the number of events the backlog holds.
func (b Backlog) Events() int { return b.Streams * b.PerStream }

// One chunk of a stream, revisions $4..$5. The data and metadata are built by the server:
// the harness's CPU stays out of the way, and the rows are valid for the Avro contract
// (the relay must be able to encode every one) and for the users projection.
const insertChunk = `
INSERT INTO events (event_id, aggregate_type, aggregate_id, revision, event_type, schema_version, data, metadata)
SELECT gen_random_uuid(), 'user', $1::uuid, r,
       CASE WHEN r = 1 THEN 'UserCreated' ELSE 'UserUpdated' END,
       CASE WHEN r = 1 THEN 2 ELSE 1 END,
       CASE WHEN r = 1
            THEN json_build_object('username', $2::text, 'email', $2::text || '@bench.example.org',
                                   'first_name', 'Ada', 'last_name', 'Lovelace', 'role', 'user')
            ELSE json_build_object('first_name', 'Ada' || r, 'last_name', 'Lovelace', 'email', NULL)
       END,
       json_build_object('actor_id', $3::text, 'actor_role', 'admin', 'reason', 'bulk profile correction',
                         'correlation_id', gen_random_uuid(), 'request_id', gen_random_uuid())
FROM generate_series($4::bigint, $5::bigint) AS r`

// The streams row keeps the store consistent: command-api's optimistic check reads it,
// and the (e) measurement appends to a seeded stream through the API.
const upsertStream = `
INSERT INTO streams (aggregate_id, aggregate_type, revision) VALUES ($1, 'user', $2)
ON CONFLICT (aggregate_id) DO UPDATE SET revision = EXCLUDED.revision`

// Streams inserts b and returns the streams' ids.
func Streams(ctx context.Context, pool *pgxpool.Pool, b Backlog) ([]uuid.UUID, error) {
	if b.Workers <= 0 {
		b.Workers = 4
	}
	if b.PerTx <= 0 {
		b.PerTx = b.PerStream
	}
	ids := make([]uuid.UUID, b.Streams)
	for i := range ids {
		ids[i] = uuid.Must(uuid.NewV7())
	}
	var next atomic.Int64
	errs := make(chan error, b.Workers)
	var wg sync.WaitGroup
	for range b.Workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(ids)) && ctx.Err() == nil; i = next.Add(1) - 1 {
				if err := insertStream(ctx, pool, ids[i], b); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("seed: streams: %w", err)
	}
	return ids, ctx.Err()
}

func insertStream(ctx context.Context, pool *pgxpool.Pool, id uuid.UUID, b Backlog) error {
	name := "b" + id.String()[24:] // the v7 id's random tail: unique enough for a run
	for from := 1; from <= b.PerStream; from += b.PerTx {
		to := min(from+b.PerTx-1, b.PerStream)
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, insertChunk, id, name, id.String(), from, to); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, upsertStream, id, to)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
