package readmodel_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
)

func TestHealth(t *testing.T) {
	pool, w := setup(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for i, id := range []string{"0190a4c2-0000-7000-8000-000000000001", "0190a4c2-0000-7000-8000-000000000002"} {
		if err := write(t, pool, w, id, func(r *readmodel.Row) {
			*r = readmodel.Row{ID: id, Username: id[len(id)-4:], Email: id[len(id)-4:] + "@example.com", Role: "user",
				Status: "active", CreatedAt: at, UpdatedAt: at.Add(time.Duration(i) * time.Minute), Revision: int64(2 + i)}
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := versions.Ensure(ctx, pool, versions.For(readmodel.Projection, 2, "recall.user.events", readmodel.UsersTable(2))); err != nil {
		t.Fatal(err)
	}
	for off, name := range []string{"users.v1", "users.v1", "welcome-email"} {
		if _, err := pool.Exec(ctx, `INSERT INTO projector_dead_letters (projection, topic, partition, record_offset, aggregate_id, revision, error)
			VALUES ($1, 't', 0, $2, 'x', 1, 'boom')`, name, off); err != nil {
			t.Fatal(err)
		}
	}
	h, err := readmodel.New(pool).Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Versions) != 2 {
		t.Fatalf("versions %+v", h.Versions)
	}
	v1, v2 := h.Versions[0], h.Versions[1]
	if v1.State != versions.Live || v1.Rows != 2 || v1.Events != 5 || v1.NewestEvent == nil || !v1.NewestEvent.Equal(at.Add(time.Minute)) {
		t.Fatalf("v1 %+v", v1)
	}
	if v2.State != versions.Building || v2.Rows != -1 { // no users_v2 table created
		t.Fatalf("v2 %+v", v2)
	}
	if len(h.DeadLetters) != 2 || h.DeadLetters[0].Projection != "users.v1" || h.DeadLetters[0].Count != 2 ||
		h.DeadLetters[1].Projection != "welcome-email" || h.DeadLetters[1].Count != 1 {
		t.Fatalf("dead letters %+v", h.DeadLetters)
	}
	if readmodel.DeadLetterName(v1.Name, v1.Version.Version) != "users.v1" {
		t.Fatal("dead letter name")
	}
}

func TestHealthBeforeTheProjector(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := readmodel.New(pool).Health(context.Background()); !errors.Is(err, readmodel.ErrNoLiveVersion) {
		t.Fatalf("got %v, want ErrNoLiveVersion", err)
	}
}
