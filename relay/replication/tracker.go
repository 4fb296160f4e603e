package replication

import (
	"sync"
	"time"

	"github.com/jackc/pglogrepl"

	"github.com/recall-events/recall/relay/commits"
)

// tracker holds the transactions whose records are on their way to Kafka, in commit
// order, and computes the LSN that may be acknowledged: the end LSN of the newest
// transaction such that it and every earlier one are committed and fully acked. Kafka
// acks arrive from the producer's goroutines in any order across partitions.
type tracker struct {
	mu        sync.Mutex
	queue     []*txn // commit order; queue[0] is the oldest not yet confirmed
	confirmed pglogrepl.LSN
	// data is the end LSN of the newest confirmed transaction that carried records:
	// the durable checkpoint only moves for those (see session.saveCheckpoint).
	data     pglogrepl.LSN
	last     pglogrepl.LSN // end LSN of the newest committed entry
	inflight int           // records published, not yet acked
	max      int
	waiting  bool
	space    chan struct{} // signalled when a waiting publisher may go on
	err      error         // first publish failure; the session ends on it
	onDone   func(t *txn)  // called (under mu) as each transaction is confirmed
	// keep makes the tracker collect a commits.Commit per confirmed transaction with
	// records, until checkpoint takes them (the stream's tracker; the snapshot records
	// its runs itself).
	keep    bool
	commits []commits.Commit
}

// txn is one transaction (or the initial snapshot, or an idle keepalive position).
type txn struct {
	t          *tracker
	commitLSN  pglogrepl.LSN // header recall_commit_lsn
	commitText string
	commitTime time.Time
	received   time.Time // when its Begin arrived
	xid        uint32
	positions  commits.Commit // First/Last: the range of its events' global_position
	end        pglogrepl.LSN  // TransactionEndLSN, set by commit
	records    int
	pending    int
	committed  bool
	// failed: Kafka refused one of its records. It is never confirmed, nor anything
	// after it: the slot must give it again to the next session.
	failed bool
	ack    func(error) // t.acked bound once, shared by the transaction's records
}

func newTracker(start pglogrepl.LSN, max int, onDone func(*txn)) *tracker {
	return &tracker{confirmed: start, data: start, last: start, max: max, space: make(chan struct{}, 1), onDone: onDone}
}

// begin opens transaction xid at the tail of the queue.
func (t *tracker) begin(commitLSN pglogrepl.LSN, xid uint32, commitTime time.Time) *txn {
	x := &txn{t: t, commitLSN: commitLSN, commitText: commitLSN.String(), commitTime: commitTime, xid: xid, received: time.Now()}
	x.ack = x.acked
	t.mu.Lock()
	t.queue = append(t.queue, x)
	t.mu.Unlock()
	return x
}

// reserve counts one record (of the event at global position pos) about to be published
// in x, unless MaxInFlight records are
// unacked already: then it arms the space signal and returns false. A publish failure
// seen earlier is returned instead, so the session ends on it.
func (x *txn) reserve(pos int64) (bool, error) {
	t := x.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.err != nil {
		return false, t.err
	}
	if t.inflight >= t.max {
		t.waiting = true
		return false, nil
	}
	x.records++
	x.pending++
	x.positions.Include(pos)
	t.inflight++
	return true, nil
}

// acked is the publisher's callback for one record of x.
func (x *txn) acked(err error) {
	t := x.t
	t.mu.Lock()
	defer t.mu.Unlock()
	x.pending--
	t.inflight--
	if err != nil {
		x.failed = true
		if t.err == nil {
			t.err = err
		}
	}
	if t.waiting && (t.inflight <= t.max/2 || t.err != nil) {
		t.waiting = false
		select {
		case t.space <- struct{}{}:
		default:
		}
	}
	if x.pending == 0 && x.committed {
		t.advance()
	}
}

// commit closes x at end; it may confirm x and later ones already complete. It returns
// how many confirmed transactions wait for the next checkpoint.
func (t *tracker) commit(x *txn, end pglogrepl.LSN) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	x.end, x.committed = end, true
	t.last = max(t.last, end)
	t.advance()
	return len(t.commits)
}

// idle records that the server has sent everything up to walEnd and no transaction is
// open: once all before it is acked, walEnd may be acknowledged, so an idle database (or
// one whose writes are all to other tables) does not keep WAL for the slot.
func (t *tracker) idle(walEnd pglogrepl.LSN) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if walEnd <= t.last {
		return
	}
	t.last = walEnd
	t.queue = append(t.queue, &txn{t: t, end: walEnd, committed: true})
	t.advance()
}

// advance confirms the transactions at the head of the queue that are committed and
// whose every record Kafka acknowledged. It stops at the first that is not, and for good
// at one with a refused record: a refusal does not count as delivery.
func (t *tracker) advance() {
	n := 0
	for _, x := range t.queue {
		if !x.committed || x.pending > 0 || x.failed {
			break
		}
		t.confirmed = max(t.confirmed, x.end)
		if x.records > 0 {
			t.data = max(t.data, x.end)
			if t.keep {
				c := x.positions
				c.Xid, c.CommitLSN = x.xid, x.commitLSN
				t.commits = append(t.commits, c)
			}
		}
		if t.onDone != nil {
			t.onDone(x)
		}
		n++
	}
	if n > 0 {
		clear(t.queue[:n])
		t.queue = t.queue[n:]
	}
}

type trackerState struct {
	confirmed, data pglogrepl.LSN
	inflight        int
	open            int
	err             error
}

// checkpoint returns the LSN to save as the checkpoint and takes the transactions
// confirmed since the last call, all of them at or before it; confirmed is the position
// acknowledged at the same instant: once data and cs are saved, every transaction with
// records up to confirmed is recorded, so confirmed may be sent to the server.
func (t *tracker) checkpoint() (data pglogrepl.LSN, cs []commits.Commit, confirmed pglogrepl.LSN) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cs = t.commits
	t.commits = nil
	return t.data, cs, t.confirmed
}

// settled returns the confirmed position when nothing with records waits to be saved
// beyond saved (only idle positions moved it), so it may be sent without a save.
func (t *tracker) settled(saved pglogrepl.LSN) (pglogrepl.LSN, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.data > saved || len(t.commits) > 0 {
		return 0, false
	}
	return t.confirmed, true
}

func (t *tracker) state() trackerState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return trackerState{confirmed: t.confirmed, data: t.data, inflight: t.inflight, open: len(t.queue), err: t.err}
}
