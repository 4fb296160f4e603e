package replication

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"

	"github.com/recall-events/recall/relay/commits"
)

// The server is told a position is confirmed only once every transaction with records
// before it is saved in relay_commits. A Kafka ack that lands while a checkpoint is
// being saved moves the tracker past what that save holds; the status sent after the
// save used to be the tracker's position, so a relay killed before its next save left
// those transactions out of relay_commits for good (the slot never sends them again;
// seen as TestRelayKilledLosesNothing timing out on relay_commits under load).
func TestStatusNeverConfirmsPastTheSavedCommits(t *testing.T) {
	tr := newTracker(100, 10, nil)
	tr.keep = true
	st := &stream{tr: tr, saved: 100, safe: 100}

	a := tr.begin(150, 41, time.Now())
	mustReserve(t, a)
	tr.commit(a, 200)
	b := tr.begin(250, 42, time.Now())
	mustReserve(t, b)
	tr.commit(b, 300)
	a.ack(nil)

	var saved []commits.Commit
	st.store = func(_ context.Context, lsn pglogrepl.LSN, cs []commits.Commit) error {
		b.ack(nil) // Kafka acks b while a's save runs
		saved = append(saved, cs...)
		return nil
	}
	if err := st.saveCheckpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(saved) != 1 || saved[0].Xid != 41 {
		t.Fatalf("saved %+v, want transaction 41 only", saved)
	}
	if got := st.statusLSN(); got != 200 {
		t.Fatalf("status confirms %s after saving up to 200: transaction 42 (ends at 300) is not in relay_commits yet", got)
	}
	// The next save records b; then 300 may be confirmed.
	if err := st.saveCheckpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(saved) != 2 || saved[1].Xid != 42 {
		t.Fatalf("saved %+v, want 41 then 42", saved)
	}
	if got := st.statusLSN(); got != 300 {
		t.Fatalf("status %s after both saves, want 300", got)
	}
	// Idle positions need no save: an idle database's WAL is released at once.
	tr.idle(400)
	if got := st.statusLSN(); got != 400 {
		t.Fatalf("status %s after an idle position, want 400", got)
	}
}
