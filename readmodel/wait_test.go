package readmodel_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/readmodel"
)

// queryCounter is a pgx tracer that counts the statements a pool runs and remembers their
// arguments: the tests' measure of what waiting costs the database.
type queryCounter struct {
	n    atomic.Int64
	gets atomic.Int64
	mu   sync.Mutex
	args []string
}

func (q *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if strings.HasPrefix(d.SQL, "LISTEN") {
		return ctx
	}
	q.n.Add(1)
	if strings.Contains(d.SQL, "WHERE id = $1") {
		ctx = context.WithValue(ctx, getKey{}, true)
	}
	q.mu.Lock()
	q.args = append(q.args, fmt.Sprint(d.Args))
	q.mu.Unlock()
	return ctx
}

func (q *queryCounter) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if ctx.Value(getKey{}) != nil {
		q.gets.Add(1)
	}
}

// getKey marks the context of a single-row read (a waiter's first read), counted when
// it ends.
type getKey struct{}

// firstReads waits until n single-row reads have ended, then until the counter is quiet.
func (q *queryCounter) firstReads(t testing.TB, n int64) int64 {
	t.Helper()
	waitFor(t, "the waiters' first reads", func() bool { return q.gets.Load() >= n })
	return q.quiet(t)
}

// since returns the count and the arguments of the statements after mark.
func (q *queryCounter) since(mark int64) (int64, string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.n.Load() - mark, strings.Join(q.args[mark:], "\n")
}

// countingStore is a Store on its own pool, on the database of pool, whose statements
// are counted.
func countingStore(t testing.TB, pool *pgxpool.Pool, opts ...readmodel.Options) (*readmodel.Store, *queryCounter) {
	t.Helper()
	cfg := pool.Config().Copy()
	q := &queryCounter{}
	cfg.ConnConfig.Tracer = q
	cfg.MaxConns = 8
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	s := readmodel.New(p, opts...)
	t.Cleanup(s.Close)
	return s, q
}

func userID(n int) string { return fmt.Sprintf("0190a4c2-0000-7000-8000-%012d", n) }

// writeRows writes revision rev of every id in one transaction, as a projector batch.
func writeRows(t testing.TB, pool *pgxpool.Pool, w *readmodel.UsersWriter, rev int64, ids ...string) {
	t.Helper()
	ctx := context.Background()
	at := time.Now().UTC()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		rows, err := w.Lock(ctx, tx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			r := rows[id]
			if r == nil {
				r = &readmodel.Row{ID: id, Username: "u" + id[24:], Email: id[24:] + "@example.com", Role: "user",
					Status: "active", CreatedAt: at}
				rows[id] = r
			}
			r.Revision, r.UpdatedAt, r.FirstName = rev, at, fmt.Sprint("rev ", rev)
		}
		return w.Write(ctx, tx, rows)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond (in-process state, no queries) until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type outcome struct {
	u   readmodel.User
	err error
}

// waitAsync runs WaitForRevision in a goroutine.
func waitAsync(s *readmodel.Store, id string, rev int64, timeout time.Duration) <-chan outcome {
	out := make(chan outcome, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		u, err := s.WaitForRevision(ctx, id, rev)
		out <- outcome{u, err}
	}()
	return out
}

// quiet waits until q has counted no statement for 200 ms: the waiters' first reads (and
// the catch-up read of a fresh LISTEN connection) are done.
func (q *queryCounter) quiet(t testing.TB) int64 {
	t.Helper()
	n := q.n.Load()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); {
		time.Sleep(200 * time.Millisecond)
		m := q.n.Load()
		if m == n {
			return n
		}
		n = m
	}
	t.Fatal("the waiters' queries never stopped")
	return 0
}

func listening(s *readmodel.Store, waiting int) func() bool {
	return func() bool { st := s.WaitStats(); return st.Listening && st.Waiting == waiting }
}

// A notification wakes the waiters of the users it names and nobody else: no query runs
// for a waiter whose user did not change, and nothing polls while the listener is up.
func TestWaiterIsWokenByItsOwnIDOnly(t *testing.T) {
	pool, w := setup(t)
	s, q := countingStore(t, pool, readmodel.Options{PollInterval: 50 * time.Millisecond})
	a, b, other := userID(1), userID(2), userID(3)
	gotA, gotB := waitAsync(s, a, 1, 10*time.Second), waitAsync(s, b, 2, 10*time.Second)
	waitFor(t, "two waiters, listening", listening(s, 2))
	mark, polls := q.firstReads(t, 2), s.WaitStats().Polls

	time.Sleep(300 * time.Millisecond) // six poll intervals: a listening Store must not poll
	writeRows(t, pool, w, 1, other)
	writeRows(t, pool, w, 1, b) // b's row, below b's revision
	waitFor(t, "two notifications", func() bool { return s.WaitStats().Notifications >= 2 })
	time.Sleep(100 * time.Millisecond)
	if n, args := q.since(mark); n != 0 {
		t.Fatalf("%d queries for changes no waiter waits for:\n%s", n, args)
	}

	writeRows(t, pool, w, 1, a)
	o := <-gotA
	if o.err != nil || o.u.ID != a || o.u.Revision != 1 {
		t.Fatalf("a: %+v %v", o.u, o.err)
	}
	n, args := q.since(mark)
	if n != 1 || strings.Contains(args, b) {
		t.Fatalf("waking a took %d queries (want 1, without b):\n%s", n, args)
	}
	if st := s.WaitStats(); st.Waiting != 1 || st.Polls != polls {
		t.Fatalf("stats %+v", st)
	}
	writeRows(t, pool, w, 2, b)
	if o := <-gotB; o.err != nil || o.u.Revision != 2 {
		t.Fatalf("b: %+v %v", o.u, o.err)
	}
}

// The bound of the issue: 1,000 concurrent waiters cost their own first read and then
// one query per notification that names any of them — never waiters × notifications.
// The former design (every waiter re-read on every notification and polled every
// 200 ms) ran ≈30,000 queries here.
func TestThousandWaitersCostBoundedQueries(t *testing.T) {
	const waiters = 1000
	for _, tc := range []struct {
		name string
		id   func(i int) string
		rev  func(i int) int64
	}{
		{"distinct ids", func(i int) string { return userID(1000 + i) }, func(int) int64 { return 1 }},
		{"same id", func(int) string { return userID(7) }, func(i int) int64 { return int64(1 + i%10) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool, w := setup(t)
			s, q := countingStore(t, pool)
			outs := make([]<-chan outcome, waiters)
			for i := range outs {
				outs[i] = waitAsync(s, tc.id(i), tc.rev(i), 30*time.Second)
			}
			waitFor(t, "1,000 waiters, listening", listening(s, waiters))
			mark := q.firstReads(t, waiters)
			first := mark

			for i := range 20 { // changes of users nobody waits for
				writeRows(t, pool, w, 1, userID(900_000+i))
			}
			notifications := 20
			if tc.name == "distinct ids" {
				for batch := range 10 { // 10 projector batches of 100 users each
					ids := make([]string, 100)
					for i := range ids {
						ids[i] = tc.id(batch*100 + i)
					}
					writeRows(t, pool, w, 1, ids...)
				}
			} else {
				for rev := int64(1); rev <= 10; rev++ {
					writeRows(t, pool, w, rev, tc.id(0))
				}
			}
			notifications += 10
			for i, o := range outs {
				if r := <-o; r.err != nil || r.u.Revision < tc.rev(i) {
					t.Fatalf("waiter %d: %+v %v", i, r.u, r.err)
				}
			}
			after, _ := q.since(mark)
			st := s.WaitStats()
			t.Logf("%d waiters, %d notifications: %d first reads, %d queries after (stats %+v)", waiters, notifications, first, after, st)
			// 10 notifications name waited users: 10 reads, plus a live-version refresh
			// (LiveTTL) or a re-read when a notification came during a read.
			if after > 15 {
				t.Fatalf("%d queries after the waiters registered; want ≤ 15 (one per notification naming them)", after)
			}
			if first > waiters+5 {
				t.Fatalf("%d first reads for %d waiters", first, waiters)
			}
		})
	}
}

// The LISTEN connection dies: the waits poll (one query for all) until it is back, then
// catch up and listen again.
func TestListenerReconnectStillWakesWaiters(t *testing.T) {
	pool, w := setup(t)
	s, _ := countingStore(t, pool, readmodel.Options{PollInterval: 100 * time.Millisecond})
	ctx := context.Background()
	id := userID(11)
	got := waitAsync(s, id, 1, 20*time.Second)
	waitFor(t, "a waiter, listening", listening(s, 1))

	if _, err := pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND query LIKE 'LISTEN %'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener to notice", func() bool { return !s.WaitStats().Listening })
	writeRows(t, pool, w, 1, id) // its notification reaches nobody of this Store
	if o := <-got; o.err != nil || o.u.Revision != 1 {
		t.Fatalf("woken while reconnecting: %+v %v", o.u, o.err)
	}

	waitFor(t, "the listener to reconnect", func() bool { return s.WaitStats().Listening })
	polls := s.WaitStats().Polls
	got = waitAsync(s, id, 2, 20*time.Second)
	waitFor(t, "a waiter", listening(s, 1))
	time.Sleep(300 * time.Millisecond)
	writeRows(t, pool, w, 2, id)
	if o := <-got; o.err != nil || o.u.Revision != 2 {
		t.Fatalf("woken after the reconnect: %+v %v", o.u, o.err)
	}
	if st := s.WaitStats(); st.Polls != polls {
		t.Fatalf("polled while listening: %+v (polls before %d)", st, polls)
	}
}

// Each command-api replica has its own Store and LISTEN connection: one applied batch
// wakes the waiters of every replica.
func TestWaitersOnSeveralReplicas(t *testing.T) {
	pool, w := setup(t)
	r1, _ := countingStore(t, pool)
	r2, _ := countingStore(t, pool)
	id := userID(21)
	g1, g2 := waitAsync(r1, id, 1, 10*time.Second), waitAsync(r2, id, 1, 10*time.Second)
	waitFor(t, "replica 1", listening(r1, 1))
	waitFor(t, "replica 2", listening(r2, 1))
	writeRows(t, pool, w, 1, id)
	for i, g := range []<-chan outcome{g1, g2} {
		if o := <-g; o.err != nil || o.u.Revision != 1 {
			t.Fatalf("replica %d: %+v %v", i+1, o.u, o.err)
		}
	}
}

// Batches too big for one notification are split (PostgreSQL refuses 8,000 bytes), and
// past a few notifications sent table-wide; waiters wake either way.
func TestBigBatchesStillWake(t *testing.T) {
	pool, w := setup(t)
	s, q := countingStore(t, pool)
	var firsts int64
	for _, size := range []int{500, 3000} {
		ids := make([]string, size)
		for i := range ids {
			ids[i] = userID(size*10 + i)
		}
		first, last := waitAsync(s, ids[0], 1, 10*time.Second), waitAsync(s, ids[size-1], 1, 10*time.Second)
		waitFor(t, "two waiters", listening(s, 2))
		firsts += 2
		mark := q.firstReads(t, firsts)
		writeRows(t, pool, w, 1, ids...)
		for _, g := range []<-chan outcome{first, last} {
			if o := <-g; o.err != nil || o.u.Revision != 1 {
				t.Fatalf("batch of %d: %+v %v", size, o.u, o.err)
			}
		}
		if n, _ := q.since(mark); n > 2 {
			t.Fatalf("batch of %d: %d queries for 2 waiters", size, n)
		}
	}
}

// A wait that runs out says what it saw, wrapped as ErrLagging and the context's error.
func TestWaitTimesOut(t *testing.T) {
	pool, w := setup(t)
	s, _ := countingStore(t, pool)
	id := userID(31)
	writeRows(t, pool, w, 1, id)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	u, err := s.WaitForRevision(ctx, id, 2)
	if !errors.Is(err, readmodel.ErrLagging) || !errors.Is(err, context.DeadlineExceeded) || u.Revision != 1 {
		t.Fatalf("%+v %v", u, err)
	}
	if st := s.WaitStats(); st.Waiting != 0 || st.Aggregates != 0 {
		t.Fatalf("a finished wait is still registered: %+v", st)
	}
	if _, err := s.Watch("not-a-uuid", 1); !errors.Is(err, readmodel.ErrNotFound) {
		t.Fatalf("malformed id: %v", err)
	}
}

// Once a notification has said where a row is, a wait for a later revision skips its
// first read: the whole wait costs the one shared read its notification starts.
func TestWaitAfterANotificationCostsOneQuery(t *testing.T) {
	pool, w := setup(t)
	s, q := countingStore(t, pool)
	id, other := userID(41), userID(42)
	keep := waitAsync(s, other, 1, 20*time.Second) // starts the listener
	waitFor(t, "listening", listening(s, 1))
	q.firstReads(t, 1) // the live version is known from here on
	writeRows(t, pool, w, 1, id)
	waitFor(t, "the notification", func() bool { return s.WaitStats().Notifications >= 1 })
	mark := q.quiet(t)

	got := waitAsync(s, id, 2, 10*time.Second)
	waitFor(t, "a second waiter", listening(s, 2))
	if n, args := q.since(mark); q.quiet(t) != mark {
		t.Fatalf("%d queries before the row moved (want none):\n%s", n, args)
	}
	writeRows(t, pool, w, 2, id)
	if o := <-got; o.err != nil || o.u.Revision != 2 {
		t.Fatalf("%+v %v", o.u, o.err)
	}
	if n, args := q.since(mark); n != 1 {
		t.Fatalf("the wait took %d queries, want 1:\n%s", n, args)
	}
	writeRows(t, pool, w, 1, other)
	<-keep
}
