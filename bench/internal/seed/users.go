package seed

import (
	"context"
	"fmt"
	"sync"

	"github.com/google/uuid"

	"github.com/recall-events/recall/eventstore"
)

// Users creates n users (UserCreated v2 with username and email claims, as command-api
// writes them) named <prefix><number>, from 16 concurrent appenders.
func Users(ctx context.Context, store *eventstore.Store, prefix string, n int) ([]uuid.UUID, error) {
	ids := make([]uuid.UUID, n)
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < n; i += 16 {
				ids[i] = uuid.Must(uuid.NewV7())
				if err := createUser(ctx, store, ids[i], fmt.Sprintf("%s%06d", prefix, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("seed: users: %w", err)
	}
	return ids, nil
}

func createUser(ctx context.Context, store *eventstore.Store, id uuid.UUID, name string) error {
	email := name + "@bench.example.org"
	_, err := store.Append(ctx, eventstore.AppendRequest{
		AggregateType: "user", AggregateID: id, Expected: eventstore.NoStream,
		Events: []eventstore.NewEvent{{EventType: "UserCreated", SchemaVersion: 2,
			Data:     fmt.Appendf(nil, `{"username":%q,"email":%q,"first_name":"Bench","last_name":"User","role":"user"}`, name, email),
			Metadata: eventstore.Metadata{ActorID: "bench-seed", ActorRole: "admin", Reason: "benchmark seed"}}},
		Claims: []eventstore.Claim{{Kind: "username", Value: name}, {Kind: "email", Value: email}},
	})
	return err
}
