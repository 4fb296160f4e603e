package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/eventstore/streamfile"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/replayer/cli"
)

func TestStreamExport(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.Database(t)
	if err := pgmigrate.Up(ctx, dbURL, eventstore.Migrations); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := eventstore.New(pool)
	id := uuid.Must(uuid.NewV7())
	var recorded []eventstore.Recorded
	for i, ev := range []eventstore.NewEvent{
		{EventType: "UserCreated", SchemaVersion: 2, Data: []byte(`{"username":"sarah","email":"sarah@example.com","first_name":"Sarah","last_name":"Connor","role":"user"}`),
			Metadata: eventstore.Metadata{ActorID: "system", ActorRole: "system"}},
		{EventType: "UserDeleted", SchemaVersion: 1, Data: []byte(`{"username":"sarah","email":"sarah@example.com"}`),
			Metadata: eventstore.Metadata{ActorID: "admin-1", ActorRole: "admin", Reason: "closed", RequestID: "req-9"}},
	} {
		res, err := store.Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: id,
			Expected: eventstore.Exactly(int64(i)), Events: []eventstore.NewEvent{ev}})
		if err != nil {
			t.Fatal(err)
		}
		recorded = append(recorded, res.Recorded...)
		time.Sleep(5 * time.Millisecond)
	}
	run := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := cli.Execute(ctx, append([]string{"--database-url", dbURL, "--actor", "tester"}, args...), &out, &errOut)
		return out.String(), errOut.String(), code
	}

	out, errOut, code := run("stream", "export", id.String())
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	f, err := streamfile.Read(strings.NewReader(out))
	if err != nil || f.AggregateID != id || f.AggregateType != "user" || len(f.Events) != 2 || f.Until != nil {
		t.Fatalf("file %+v %v\n%s", f, err, out)
	}
	del := f.Events[1]
	if del.EventType != "UserDeleted" || del.EventID != recorded[1].EventID || !strings.Contains(string(del.Metadata), `"req-9"`) ||
		!strings.Contains(string(del.Data), `"sarah@example.com"`) {
		t.Fatalf("deletion %+v", del)
	}

	out, _, code = run("stream", "export", id.String(), "--until", recorded[0].RecordedAt.Format(time.RFC3339Nano))
	if f, err = streamfile.Read(strings.NewReader(out)); code != 0 || err != nil || len(f.Events) != 1 || f.Until == nil {
		t.Fatalf("until: %d %v %+v", code, err, f)
	}
	for _, args := range [][]string{
		{"stream", "export", "not-a-uuid"},
		{"stream", "export", id.String(), "--until", "yesterday"},
		{"stream", "export", uuid.NewString()},
		{"stream", "export", id.String(), "--until", "2000-01-01T00:00:00Z"},
	} {
		if out, errOut, code := run(args...); code == 0 || out != "" || errOut == "" {
			t.Errorf("%v: code %d, out %q, err %q", args, code, out, errOut)
		}
	}
}
