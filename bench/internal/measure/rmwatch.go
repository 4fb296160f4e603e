package measure

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// readModelWatch records when the users read model first shows a user at a revision.
// It listens on the projection's notify channel (one notification per applied batch) and
// then reads the revisions of the users it is waiting for in one query; a 5 ms tick
// covers targets added after their batch's notification.
type readModelWatch struct {
	pool  *pgxpool.Pool
	table string

	mu     sync.Mutex
	open   map[uuid.UUID][]int64 // id → revisions awaited, not yet seen
	seenAt map[key]time.Time     // (id, revision) → when it became visible
	wake   chan struct{}

	queries atomic.Int64 // statements run, so a cost measurement can leave them out
}

type key struct {
	id  uuid.UUID
	rev int64
}

func newReadModelWatch(pool *pgxpool.Pool, table string) *readModelWatch {
	return &readModelWatch{pool: pool, table: table, open: map[uuid.UUID][]int64{},
		seenAt: map[key]time.Time{}, wake: make(chan struct{}, 1)}
}

// await registers (id, rev) to be timed.
func (w *readModelWatch) await(id uuid.UUID, rev int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.open[id] = append(w.open[id], rev)
}

// seen returns when (id, rev) became visible, if it has.
func (w *readModelWatch) seen(id uuid.UUID, rev int64) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.seenAt[key{id, rev}]
	return t, ok
}

// run watches until ctx ends.
func (w *readModelWatch) run(ctx context.Context, databaseURL string) {
	go w.listen(ctx, databaseURL)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-tick.C:
		}
		w.check(ctx)
	}
}

func (w *readModelWatch) listen(ctx context.Context, databaseURL string) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return // the tick still works, at 5 ms resolution
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN recall_readmodel"); err != nil {
		return
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return
		}
		select {
		case w.wake <- struct{}{}:
		default: // a check is due anyway
		}
	}
}

func (w *readModelWatch) check(ctx context.Context) {
	w.mu.Lock()
	ids := make([]uuid.UUID, 0, len(w.open))
	for id := range w.open {
		ids = append(ids, id)
	}
	w.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	w.queries.Add(1)
	// Planned with its ids on every run: a cached generic plan on a read model whose
	// statistics lag (a fresh stack) is a sequential scan testing each row against every
	// open id, which would load PostgreSQL with the harness's own work (see readmodel's
	// TestLockIsPlannedWithItsIDs).
	rows, err := w.pool.Query(ctx, `SELECT id, revision FROM `+pgx.Identifier{w.table}.Sanitize()+` WHERE id = ANY($1)`,
		pgx.QueryExecModeCacheDescribe, ids)
	if err != nil {
		return
	}
	now := time.Now()
	var id uuid.UUID
	var rev int64
	got := map[uuid.UUID]int64{}
	_, err = pgx.ForEachRow(rows, []any{&id, &rev}, func() error { got[id] = rev; return nil })
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for id, have := range got {
		var still []int64
		for _, rev := range w.open[id] {
			if rev <= have {
				w.seenAt[key{id, rev}] = now
			} else {
				still = append(still, rev)
			}
		}
		if len(still) == 0 {
			delete(w.open, id)
		} else {
			w.open[id] = still
		}
	}
}
