package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/command-api/internal/app"
	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/pgmigrate"
)

var system = auth.Principal{Role: auth.RoleSystem}

func newService(t *testing.T, opts app.Options) *app.Service {
	t.Helper()
	ctx := context.Background()
	url := pgtest.Database(t)
	if err := pgmigrate.Up(ctx, url, eventstore.Migrations, credentials.Migrations); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	opts.Hasher = credentials.NewHasher(credentials.Params{MemoryKiB: 8192, Time: 1, Threads: 1})
	svc, err := app.NewService(eventstore.New(pool), opts)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func create(id uuid.UUID) app.CreateUser {
	return app.CreateUser{Envelope: app.Envelope{UserID: id, Actor: system},
		Fields:   user.CreateUser{Username: "grace", Email: "grace@example.com", FirstName: "Grace", LastName: "Hopper"},
		Password: "a-long-password"}
}

// An event its Avro schema refuses is never stored: not the event, not the claims, not
// the credentials.
func TestEventSchemaViolationStoresNothing(t *testing.T) {
	refuse := errors.New("no such field in the schema")
	svc := newService(t, app.Options{Validate: func(string, int, []byte) error { return refuse }})
	id := uuid.New()
	_, err := svc.Handlers().CreateUser.Handle(context.Background(), create(id))
	if !errors.Is(err, app.ErrEventSchema) || !errors.Is(err, refuse) {
		t.Fatalf("err = %v", err)
	}
	if rev, _ := svc.Store().StreamRevision(context.Background(), id); rev != 0 {
		t.Fatalf("stream at %d", rev)
	}
	if _, _, found, _ := credentials.ByID(context.Background(), svc.Store().Pool(), id); found {
		t.Fatal("credentials stored")
	}
}

// A historical UserCreated v1 row loads through the domain's upcaster.
func TestLoadUpcastsHistoricalEvents(t *testing.T) {
	svc := newService(t, app.Options{})
	id := uuid.New()
	_, err := svc.Store().Append(context.Background(), eventstore.AppendRequest{
		AggregateType: user.AggregateType, AggregateID: id, Expected: eventstore.NoStream,
		Events: []eventstore.NewEvent{{EventType: "UserCreated", SchemaVersion: 1,
			Data: []byte(`{"username":"ada","email":"ada@example.com","full_name":"Ada King Lovelace","role":"admin"}`)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := svc.StateAt(context.Background(), id, 0, zeroTime)
	if err != nil {
		t.Fatal(err)
	}
	if st.FirstName != "Ada" || st.LastName != "King Lovelace" || st.Role != user.RoleAdmin {
		t.Fatalf("state %+v", st)
	}
}
