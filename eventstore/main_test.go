package eventstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/pgmigrate"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

type bundle struct {
	url   string
	pool  *pgxpool.Pool
	store *eventstore.Store
}

// setup gives a test its own migrated database and a store on it.
func setup(t testing.TB) bundle {
	t.Helper()
	ctx := context.Background()
	url := pgtest.Database(t)
	if err := pgmigrate.Up(ctx, url, eventstore.Migrations); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 40
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return bundle{url: url, pool: pool, store: eventstore.New(pool)}
}

func newEvent(typ string, n int) eventstore.NewEvent {
	data, _ := json.Marshal(map[string]any{"n": n, "note": fmt.Sprintf("event %d", n)})
	return eventstore.NewEvent{
		EventType: typ, SchemaVersion: 1, Data: data,
		Metadata: eventstore.Metadata{ActorID: "tester", ActorRole: "admin", Reason: "test"},
	}
}

func appendN(t testing.TB, s *eventstore.Store, id uuid.UUID, expected eventstore.ExpectedRevision, n int) eventstore.AppendResult {
	t.Helper()
	events := make([]eventstore.NewEvent, n)
	for i := range events {
		events[i] = newEvent("Thing", i)
	}
	res, err := s.Append(context.Background(), eventstore.AppendRequest{
		AggregateType: "thing", AggregateID: id, Expected: expected, Events: events,
	})
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return res
}
