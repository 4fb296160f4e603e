package relay_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/relay/commits"
	"github.com/recall-events/recall/relay/record"
)

// TestRelayRecordsCommitLSNs: relay_commits gives back, for every event, the
// recall_commit_lsn the relay published it with: snapshot rows (two runs, split by a
// position the snapshot lacks), a multi-event transaction and single-event ones.
func TestRelayRecordsCommitLSNs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.appendUsers(3, 2, 1)
	// A position no row holds (as a rolled-back insert leaves), so the snapshot has two runs.
	if _, err := e.pool.Exec(ctx, "SELECT nextval(pg_get_serial_sequence('events', 'global_position'))"); err != nil {
		t.Fatal(err)
	}
	e.appendUsers(2, 1, 1)
	r := e.startRelay(e.config())
	e.waitStreaming()
	id := newID()
	_, err := e.store.Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: id,
		Expected: eventstore.Exactly(0), Events: []eventstore.NewEvent{userCreated(id), roleChanged(), roleChanged()}})
	if err != nil {
		t.Fatal(err)
	}
	e.appendUsers(4, 2, 2)
	c := e.checkAll()
	r.stop(t)

	var snapshotRuns, multi int
	err = e.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE xid IS NULL),
		count(*) FILTER (WHERE xid IS NOT NULL AND last_position - first_position = 2) FROM relay_commits`).Scan(&snapshotRuns, &multi)
	if err != nil {
		t.Fatal(err)
	}
	if snapshotRuns != 2 || multi != 1 {
		t.Fatalf("relay_commits holds %d snapshot runs (want 2) and %d three-event transactions (want 1)", snapshotRuns, multi)
	}
	lsns := map[string]bool{}
	for _, rec := range c.records {
		lsns[string(record.Header(rec, record.HeaderCommitLSN))] = true
	}
	// 1 snapshot + 1 multi-event transaction + 8 single-event ones.
	if len(lsns) != 10 {
		t.Fatalf("%d distinct commit LSNs on the topic, want 10", len(lsns))
	}
}

// checkCommitLSNs waits until relay_commits maps every stored event (the rows are saved
// with the checkpoint, up to a status interval after Kafka's ack), then checks that the
// mapped commit LSN of every record is the recall_commit_lsn it carries.
func (e *env) checkCommitLSNs(c consumed) {
	e.t.Helper()
	ctx := context.Background()
	waitFor(e.t, 30*time.Second, "relay_commits to map every event", func() bool {
		n, _, err := commits.Unmapped(ctx, e.pool, 0, 1<<62, "")
		return err == nil && n == 0
	})
	lsns, err := commits.LSNs(ctx, e.pool, 0, 1<<62)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, rec := range c.records {
		pos, err := strconv.ParseInt(string(record.Header(rec, record.HeaderGlobalPosition)), 10, 64)
		if err != nil {
			e.t.Fatal(err)
		}
		got, want := lsns[pos].String(), string(record.Header(rec, record.HeaderCommitLSN))
		if got != want {
			e.t.Fatalf("position %d: relay_commits says %s, the record says %s", pos, got, want)
		}
	}
}
