package relay_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pglogrepl"
)

// An event the relay cannot publish (here, a type its catalog lacks, as a newer
// command-api could write) is never confirmed: the checkpoint and the slot stay before
// it, so every session tries it again and nothing after it is recorded as delivered.
// Found by an outside review: the refused record counted as delivered, the checkpoint
// moved past it and the event was lost for good (revisions 1 and 3 on the topic, 2
// never, and relay_commits saying all was published).
func TestARefusedEventHoldsTheSlot(t *testing.T) {
	e := newEnv(t)
	cfg := e.config()
	r := e.startRelay(cfg)
	e.waitStreaming()
	ctx := context.Background()
	id := uuid.New()
	insert := func(rev int, typ string) {
		t.Helper()
		if _, err := e.pool.Exec(ctx, `INSERT INTO events (event_id, aggregate_type, aggregate_id, revision, event_type, schema_version, data, metadata)
			VALUES (gen_random_uuid(), 'user', $1, $2, $3, 1, '{"first_name":"Ada","last_name":null,"email":null}', '{"actor_id":"a"}')`, id, rev, typ); err != nil {
			t.Fatal(err)
		}
	}
	insert(1, "UserUpdated")
	e.consume(1, 30*time.Second)
	waitFor(t, 30*time.Second, "revision 1 checkpointed", func() bool { return e.checkpoint() != "" })
	var before pglogrepl.LSN
	if err := e.pool.QueryRow(ctx, `SELECT pg_current_wal_lsn()`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	insert(2, "UserRenamed") // not in the relay's catalog
	insert(3, "UserUpdated")
	// Sessions end on the refusal and start again; give them time to move anything.
	time.Sleep(5 * time.Second)
	r.stop(t)
	saved, err := pglogrepl.ParseLSN(e.checkpoint())
	if err != nil {
		t.Fatal(err)
	}
	var slot pglogrepl.LSN
	if err := e.pool.QueryRow(ctx, `SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1`, e.slot).Scan(&slot); err != nil {
		t.Fatal(err)
	}
	if saved > before || slot > before {
		t.Fatalf("checkpoint %s, slot %s: past %s, where the refused event's transaction begins", saved, slot, before)
	}
	var recorded int
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM relay_commits WHERE commit_lsn > $1`, before.String()).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != 0 {
		t.Fatalf("relay_commits records %d transaction(s) from the refused one on as published", recorded)
	}
}
