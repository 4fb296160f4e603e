package readmodel_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// setup migrates a fresh database, creates users v1 and makes it live.
func setup(t testing.TB) (*pgxpool.Pool, *readmodel.UsersWriter) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.Database(t)
	if err := pgmigrate.Up(ctx, url, readmodel.Migrations); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for range 2 { // idempotent: every projector instance runs it at start
		if err := readmodel.SetupUsers(ctx, pool, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := versions.Ensure(ctx, pool, versions.For(readmodel.Projection, 1, "recall.user.events", readmodel.UsersTable(1))); err != nil {
		t.Fatal(err)
	}
	w, err := readmodel.NewUsersWriter(1)
	if err != nil {
		t.Fatal(err)
	}
	return pool, w
}

func write(t testing.TB, pool *pgxpool.Pool, w *readmodel.UsersWriter, id string, change func(r *readmodel.Row)) error {
	t.Helper()
	ctx := context.Background()
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		rows, err := w.Lock(ctx, tx, []string{id})
		if err != nil {
			return err
		}
		r := rows[id]
		if r == nil {
			r = &readmodel.Row{ID: id}
			rows[id] = r
		}
		change(r)
		return w.Write(ctx, tx, rows)
	})
}

// The contract both sides share: what the writer stores, the Store answers.
func TestWriterAndStoreAgree(t *testing.T) {
	pool, w := setup(t)
	ctx := context.Background()
	id := "0190a4c2-0000-7000-8000-000000000001"
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	err := write(t, pool, w, id, func(r *readmodel.Row) {
		*r = readmodel.Row{ID: id, Username: "sarah", Email: "sarah@example.com", FirstName: "Sarah", LastName: "Connor",
			Role: "user", Status: "active", CreatedAt: at, UpdatedAt: at, Revision: 1}
	})
	if err != nil {
		t.Fatal(err)
	}
	err = write(t, pool, w, id, func(r *readmodel.Row) { r.LastName, r.Revision, r.UpdatedAt = "Reese", 2, at.Add(time.Minute) })
	if err != nil {
		t.Fatal(err)
	}
	store := readmodel.New(pool)
	defer store.Close()
	u, err := store.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "sarah" || u.LastName != "Reese" || u.Revision != 2 || !u.UpdatedAt.Equal(at.Add(time.Minute)) {
		t.Fatalf("got %+v", u)
	}
	if _, err := store.Get(ctx, "0190a4c2-0000-7000-8000-000000000002"); !errors.Is(err, readmodel.ErrNotFound) {
		t.Fatalf("missing row: %v", err)
	}
}

// A row that moved between Lock and Write is ErrConcurrentWrite, never a lost update.
func TestWriterRefusesAConcurrentChange(t *testing.T) {
	pool, w := setup(t)
	ctx := context.Background()
	id := "0190a4c2-0000-7000-8000-000000000003"
	at := time.Now().UTC()
	if err := write(t, pool, w, id, func(r *readmodel.Row) {
		*r = readmodel.Row{ID: id, Username: "u", Email: "e", Role: "user", Status: "active", CreatedAt: at, UpdatedAt: at, Revision: 1}
	}); err != nil {
		t.Fatal(err)
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		rows, err := w.Lock(ctx, tx, []string{id})
		if err != nil {
			return err
		}
		// Another writer, outside the lock's transaction, cannot move the row while it is
		// locked; simulate a row changed since it was read by bumping it in this one.
		if _, err := tx.Exec(ctx, "UPDATE users_v1 SET revision = 5 WHERE id = $1", id); err != nil {
			return err
		}
		rows[id].Revision = 2
		return w.Write(ctx, tx, rows)
	})
	if !errors.Is(err, readmodel.ErrConcurrentWrite) {
		t.Fatalf("err = %v, want ErrConcurrentWrite", err)
	}
	if _, err := readmodel.NewUsersWriter(99); err == nil {
		t.Fatal("an unknown version was accepted")
	}
}
