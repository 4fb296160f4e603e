package relay_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/recall-events/recall/devstack/pgtest"
)

// checkAll consumes until every stored event is on the topic and checks per-aggregate
// order and relay_commits; duplicates (the unacked tail of a crash) are allowed and logged.
func (e *env) checkAll() consumed {
	e.t.Helper()
	total := e.eventCount()
	c := e.consume(total, 120*time.Second)
	c.checkOrder(e.t)
	if len(c.byID) != total {
		e.t.Fatalf("%d distinct events on the topic, %d in the store", len(c.byID), total)
	}
	e.t.Logf("%d events, %d records (%d duplicates)", total, len(c.records), c.duplicates())
	e.checkCommitLSNs(c)
	return c
}

// TestRelayKilledLosesNothing runs the relay as a process, SIGKILLs it under load and
// starts it again.
func TestRelayKilledLosesNothing(t *testing.T) {
	e := newEnv(t)
	e.appendUsers(10, 3, 4)
	p := e.startProcess()
	waitFor(t, 60*time.Second, "/readyz", p.ready)
	a := e.startAppender(4)
	time.Sleep(1500 * time.Millisecond)
	p.signal(syscall.SIGKILL)
	time.Sleep(500 * time.Millisecond) // appends go on while no relay runs
	p = e.startProcess()
	waitFor(t, 60*time.Second, "/readyz after restart", p.ready)
	time.Sleep(500 * time.Millisecond)
	a.stop()
	e.checkAll()
	p.signal(syscall.SIGTERM)
}

// TestPostgresRestartLosesNothing restarts the cluster under the running relay. PG15
// forgets the slot's in-memory acknowledgement; the relay resumes from its checkpoint.
func TestPostgresRestartLosesNothing(t *testing.T) {
	e := newEnv(t)
	r := e.startRelay(e.config())
	e.waitStreaming()
	a := e.startAppender(4)
	time.Sleep(time.Second)
	if err := pgtest.Cluster(t).Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	a.stop()
	e.checkAll()
	r.stop(t)
}

// TestBrokerRestartLosesNothing closes the broker (its DataDir keeps the log) and starts
// it again on the same address while events keep coming.
func TestBrokerRestartLosesNothing(t *testing.T) {
	e := newEnv(t)
	r := e.startRelay(e.config())
	e.waitStreaming()
	a := e.startAppender(4)
	time.Sleep(time.Second)
	addr := e.kafka.Addrs()[0]
	e.kafka.Close()
	time.Sleep(time.Second)
	e.startKafka(addr)
	time.Sleep(time.Second)
	a.stop()
	e.checkAll()
	r.stop(t)
}

// TestIdleDatabaseKeepsNoWAL: writes to other tables (and none at all) must not make the
// slot hold WAL: with nothing in flight the relay confirms the server's WAL end.
func TestIdleDatabaseKeepsNoWAL(t *testing.T) {
	e := newEnv(t)
	r := e.startRelay(e.config())
	e.waitStreaming()
	e.appendUsers(5, 2, 5)
	e.consume(10, 30*time.Second)
	ctx := context.Background()
	if _, err := e.pool.Exec(ctx, "CREATE TABLE noise (x text); INSERT INTO noise SELECT repeat('x', 1000) FROM generate_series(1, 20000)"); err != nil {
		t.Fatal(err)
	}
	const limit = 1 << 20
	waitFor(t, 30*time.Second, "slot lag under 1 MiB after 20 MB of other WAL", func() bool { return e.slotLag() < limit })
	for range 5 {
		time.Sleep(time.Second)
		if lag := e.slotLag(); lag >= limit {
			t.Fatalf("idle slot lag grew to %d bytes", lag)
		}
	}
	r.stop(t)
}

// TestStandbyTakesOver: a second relay on the slot stands by (not ready) and streams once
// the first stops.
func TestStandbyTakesOver(t *testing.T) {
	e := newEnv(t)
	first := e.config()
	r1 := e.startRelay(first)
	e.waitStreaming()
	second := e.config()
	r2 := e.startRelay(second)
	waitFor(t, 30*time.Second, "the second relay to stand by", func() bool {
		return gauge(t, second, "recall_relay_standby") == 1
	})
	if gauge(t, second, "recall_relay_connected") != 0 {
		t.Fatal("standby claims to be connected")
	}
	e.appendUsers(5, 3, 5)
	r1.stop(t)
	waitFor(t, 30*time.Second, "the standby to take over", func() bool {
		return gauge(t, second, "recall_relay_connected") == 1
	})
	e.appendUsers(5, 3, 5)
	e.checkAll()
	r2.stop(t)
}
