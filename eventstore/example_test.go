package eventstore_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/postgres"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/pgmigrate"
)

// Append a new stream, then the next event with the revision it was decided
// on; a writer that decided on a stale revision gets ErrConcurrency and must
// reload and decide again. The database is a throw-away private PostgreSQL
// cluster (devstack), migrated with the store's own migrations.
func ExampleStore_Append() {
	ctx := context.Background()
	pg, err := postgres.Start(ctx, postgres.Options{Settings: map[string]string{"fsync": "off"}})
	if err != nil {
		panic(err)
	}
	defer pg.Stop()
	if err := pgmigrate.Up(ctx, pg.DatabaseURL(), eventstore.Migrations); err != nil {
		panic(err)
	}
	pool, err := pgxpool.New(ctx, pg.DatabaseURL())
	if err != nil {
		panic(err)
	}
	defer pool.Close()
	store := eventstore.New(pool)

	id := uuid.MustParse("0193a3b0-0000-7000-8000-00000000abcd")
	meta := eventstore.Metadata{ActorID: "admin", ActorRole: "admin"}
	created, err := store.Append(ctx, eventstore.AppendRequest{
		AggregateType: "user", AggregateID: id, Expected: eventstore.NoStream,
		Events: []eventstore.NewEvent{{EventType: "UserCreated", SchemaVersion: 2, Metadata: meta,
			Data: []byte(`{"username":"ada","email":"ada@example.com","first_name":"Ada","last_name":"Lovelace","role":"user"}`)}},
		Claims: []eventstore.Claim{{Kind: "username", Value: "ada"}, {Kind: "email", Value: "ada@example.com"}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("created at revision", created.Revision)

	role := eventstore.AppendRequest{
		AggregateType: "user", AggregateID: id, Expected: eventstore.Exactly(created.Revision),
		Events: []eventstore.NewEvent{{EventType: "RoleChanged", SchemaVersion: 1, Metadata: meta,
			Data: []byte(`{"role":"admin","previous_role":"user"}`)}},
	}
	changed, err := store.Append(ctx, role)
	if err != nil {
		panic(err)
	}
	fmt.Println("role changed at revision", changed.Revision)

	// The same request again still expects revision 1: the stream is at 2.
	_, err = store.Append(ctx, role)
	fmt.Println(errors.Is(err, eventstore.ErrConcurrency))
	// Output:
	// created at revision 1
	// role changed at revision 2
	// true
}
