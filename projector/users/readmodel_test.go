package users_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
	"github.com/recall-events/recall/schemas"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

type bundle struct {
	url  string
	pool *pgxpool.Pool
	proj map[int]*users.Projection
}

// setup migrates a fresh database and creates users versions vs (the first live).
func setup(t *testing.T, vs ...int) *bundle {
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
	b := &bundle{url: url, pool: pool, proj: map[int]*users.Projection{}}
	for _, v := range vs {
		if err := readmodel.SetupUsers(ctx, pool, v); err != nil {
			t.Fatal(err)
		}
		if err := versions.Ensure(ctx, pool, versions.For(users.Name, v, stacktest.Topic, readmodel.UsersTable(v))); err != nil {
			t.Fatal(err)
		}
		p, err := users.New(pool, v, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.proj[v] = p
	}
	return b
}

// apply applies events straight through the projection (no Kafka needed here).
func (b *bundle) apply(t *testing.T, v int, evs ...schemas.Event) {
	t.Helper()
	msgs := make([]projection.Message, len(evs))
	for i, e := range evs {
		msgs[i] = projection.Message{Event: e}
	}
	n, err := b.proj[v].Handle(context.Background(), msgs)
	if err != nil || n != len(evs) {
		t.Fatalf("Handle = %d, %v", n, err)
	}
}

// seed creates users named "<prefix><i>", alternating roles, every third deleted.
func (b *bundle) seed(t *testing.T, n int) map[string]string {
	t.Helper()
	ids := map[string]string{}
	var evs []schemas.Event
	for i := range n {
		id := stacktest.NewID()
		name := fmt.Sprintf("u%02d", i)
		if i%2 == 1 {
			name = fmt.Sprintf("v%02d", i)
		}
		role := readmodel.RoleUser
		if i%4 == 0 {
			role = readmodel.RoleAdmin
		}
		ids[name] = id
		evs = append(evs, stacktest.Created(id, name, name+"@"+[]string{"a.example", "b.example"}[i%2], "F", "L", role))
		if i%3 == 0 {
			evs = append(evs, stacktest.Deleted(id, 2, name, name+"@x"))
		}
	}
	b.apply(t, 1, evs...)
	return ids
}

func TestList(t *testing.T) {
	b := setup(t, 1)
	b.seed(t, 30)
	store := readmodel.New(b.pool)
	defer store.Close()
	tests := []struct {
		name   string
		params readmodel.ListParams
		want   int // total rows over all pages
		first  string
	}{
		{"all", readmodel.ListParams{PageSize: 7}, 30, "u00"},
		{"default page size", readmodel.ListParams{}, 30, "u00"},
		{"username prefix", readmodel.ListParams{UsernamePrefix: "v", PageSize: 4}, 15, "v01"},
		{"username prefix narrow", readmodel.ListParams{UsernamePrefix: "u1"}, 5, "u10"},
		{"email prefix", readmodel.ListParams{EmailPrefix: "u0", PageSize: 2}, 5, "u00"},
		{"status deleted", readmodel.ListParams{Status: "deleted", PageSize: 3}, 10, "u00"},
		{"status active", readmodel.ListParams{Status: "active"}, 20, "u02"},
		{"role admin", readmodel.ListParams{Role: "admin", PageSize: 1}, 8, "u00"},
		{"combined", readmodel.ListParams{UsernamePrefix: "u", Role: "admin", Status: "active"}, 5, "u04"},
		{"wildcards are literal", readmodel.ListParams{UsernamePrefix: "u_"}, 0, ""},
		{"no match", readmodel.ListParams{EmailPrefix: "zzz"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var all []readmodel.User
			p := tt.params
			pages := 0
			for {
				page, err := store.List(context.Background(), p)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				size := p.PageSize
				if size == 0 {
					size = readmodel.DefaultPageSize
				}
				if len(page.Users) > size {
					t.Fatalf("page of %d > page size %d", len(page.Users), size)
				}
				all = append(all, page.Users...)
				if page.NextPageToken == "" {
					break
				}
				p.PageToken = page.NextPageToken
			}
			if len(all) != tt.want {
				t.Fatalf("%d rows over %d pages, want %d", len(all), pages, tt.want)
			}
			for i := 1; i < len(all); i++ {
				if all[i-1].Username > all[i].Username || all[i-1].Username == all[i].Username && all[i-1].ID >= all[i].ID {
					t.Fatalf("order broken at %d: %s then %s", i, all[i-1].Username, all[i].Username)
				}
			}
			if tt.want > 0 && all[0].Username != tt.first {
				t.Errorf("first = %s, want %s", all[0].Username, tt.first)
			}
		})
	}
}

func TestListRefusals(t *testing.T) {
	b := setup(t, 1)
	b.seed(t, 5)
	store := readmodel.New(b.pool)
	defer store.Close()
	ctx := context.Background()
	page, err := store.List(ctx, readmodel.ListParams{PageSize: 2})
	if err != nil || page.NextPageToken == "" {
		t.Fatalf("List = %v, %v", page, err)
	}
	tests := []struct {
		name string
		p    readmodel.ListParams
		want error
	}{
		{"bad status", readmodel.ListParams{Status: "gone"}, readmodel.ErrInvalidArgument},
		{"bad role", readmodel.ListParams{Role: "root"}, readmodel.ErrInvalidArgument},
		{"negative size", readmodel.ListParams{PageSize: -1}, readmodel.ErrInvalidArgument},
		{"corrupt token", readmodel.ListParams{PageToken: "!!"}, readmodel.ErrInvalidPageToken},
		{"token for other filters", readmodel.ListParams{PageToken: page.NextPageToken, Role: "admin"}, readmodel.ErrInvalidPageToken},
	}
	for _, tt := range tests {
		if _, err := store.List(ctx, tt.p); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	big, err := store.List(ctx, readmodel.ListParams{PageSize: 10_000})
	if err != nil || len(big.Users) != 5 {
		t.Errorf("page size above max: %d users, %v", len(big.Users), err)
	}
}

func TestGet(t *testing.T) {
	b := setup(t, 1)
	ids := b.seed(t, 4)
	store := readmodel.New(b.pool)
	defer store.Close()
	ctx := context.Background()
	u, err := store.Get(ctx, ids["u00"])
	if err != nil || u.Status != readmodel.StatusDeleted || u.DeletedAt == nil || u.Revision != 2 {
		t.Errorf("Get deleted = %+v, %v", u, err)
	}
	for _, id := range []string{stacktest.NewID(), "nope", ""} {
		if _, err := store.Get(ctx, id); !errors.Is(err, readmodel.ErrNotFound) {
			t.Errorf("Get(%q) err = %v, want ErrNotFound", id, err)
		}
	}
}

func TestWaitForRevision(t *testing.T) {
	b := setup(t, 1)
	id := stacktest.NewID()
	b.apply(t, 1, stacktest.Created(id, "wes", "wes@example.com", "Wes", "W", "user"))
	// A long poll interval: only the NOTIFY can wake the waiter in time.
	store := readmodel.New(b.pool, readmodel.Options{PollInterval: time.Minute})
	defer store.Close()

	t.Run("fresh data", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		go func() {
			time.Sleep(300 * time.Millisecond)
			b.apply(t, 1, stacktest.RoleChanged(id, 2, "admin", "user"))
		}()
		start := time.Now()
		u, err := store.WaitForRevision(ctx, id, 2)
		if err != nil || u.Revision != 2 || u.Role != "admin" {
			t.Fatalf("WaitForRevision = %+v, %v", u, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("woke after %v: the notification did not wake the waiter", d)
		}
	})
	t.Run("already there", func(t *testing.T) {
		u, err := store.WaitForRevision(context.Background(), id, 1)
		if err != nil || u.Revision != 2 {
			t.Fatalf("WaitForRevision = %+v, %v", u, err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		u, err := store.WaitForRevision(ctx, id, 9)
		if !errors.Is(err, readmodel.ErrLagging) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrLagging and DeadlineExceeded", err)
		}
		if u.Revision != 2 {
			t.Errorf("returned row at revision %d, want the last one read (2)", u.Revision)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("timeout took %v", d)
		}
	})
	t.Run("missing row waits, then times out", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if _, err := store.WaitForRevision(ctx, stacktest.NewID(), 1); !errors.Is(err, readmodel.ErrLagging) {
			t.Fatalf("err = %v, want ErrLagging", err)
		}
	})
}

func TestPromotedVersionIsServed(t *testing.T) {
	b := setup(t, 1, 2)
	id := stacktest.NewID()
	b.apply(t, 1, stacktest.Created(id, "old", "old@example.com", "Old", "O", "user"))
	b.apply(t, 2, stacktest.Created(id, "new", "new@example.com", "New", "N", "user"))
	store := readmodel.New(b.pool, readmodel.Options{LiveTTL: 50 * time.Millisecond})
	defer store.Close()
	ctx := context.Background()
	if u, err := store.Get(ctx, id); err != nil || u.Username != "old" {
		t.Fatalf("before promotion: %+v, %v", u, err)
	}
	if err := versions.Promote(ctx, b.pool, users.Name, 2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond)
	if u, err := store.Get(ctx, id); err != nil || u.Username != "new" {
		t.Fatalf("after promotion: %+v, %v", u, err)
	}
	// Promote back, then drop v2 while it is still cached: the query refreshes.
	if err := versions.Promote(ctx, b.pool, users.Name, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.pool.Exec(ctx, `DROP TABLE users_v2`); err != nil {
		t.Fatal(err)
	}
	if u, err := store.Get(ctx, id); err != nil || u.Username != "old" {
		t.Fatalf("after dropping the cached version: %+v, %v", u, err)
	}
	vs, err := versions.List(ctx, b.pool, users.Name)
	if err != nil || len(vs) != 2 || vs[0].State != versions.Live || vs[1].State != versions.Retired {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
}

// command-api reads the read models as recall_api (SET ROLE): the projector's migration
// and every users version's DDL grant it SELECT, and nothing more.
func TestReadableByTheAPIRole(t *testing.T) {
	b := setup(t, 1, 2)
	id := stacktest.NewID()
	b.apply(t, 1, stacktest.Created(id, "ada", "ada@example.com", "Ada", "L", "user"))
	ctx := context.Background()
	cfg := b.pool.Config()
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, "SET ROLE recall_api")
		return err
	}
	api, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	store := readmodel.New(api)
	defer store.Close()
	if u, err := store.Get(ctx, id); err != nil || u.Username != "ada" {
		t.Fatalf("Get as recall_api = %+v, %v", u, err)
	}
	if page, err := store.List(ctx, readmodel.ListParams{}); err != nil || len(page.Users) != 1 {
		t.Fatalf("List as recall_api = %+v, %v", page, err)
	}
	for _, table := range []string{"projections", readmodel.UsersTable(1), readmodel.UsersTable(2)} {
		var read, write bool
		if err := b.pool.QueryRow(ctx, `SELECT has_table_privilege('recall_api', $1, 'SELECT'),
			has_table_privilege('recall_api', $1, 'INSERT, UPDATE, DELETE')`, table).Scan(&read, &write); err != nil {
			t.Fatal(err)
		}
		if !read || write {
			t.Errorf("recall_api on %s: select %v, write %v; want select only", table, read, write)
		}
	}
}

// Before the projector has ever migrated the database (command-api may start first), the
// read side says "no live version", which command-api answers with 503, not a 500.
func TestBeforeTheProjectorMigrated(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := readmodel.New(pool)
	defer store.Close()
	if _, err := store.Get(ctx, "0193a5c2-7d1e-7b3a-9f00-000000000001"); !errors.Is(err, readmodel.ErrNoLiveVersion) {
		t.Fatalf("get: %v", err)
	}
	if _, err := store.List(ctx, readmodel.ListParams{}); !errors.Is(err, readmodel.ErrNoLiveVersion) {
		t.Fatalf("list: %v", err)
	}
}
