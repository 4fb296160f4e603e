package commandapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
	"github.com/recall-events/recall/schemas"
)

// projector stands in for the projector: it writes the users read model (version 1,
// live) on the api's database through the read-model contract (readmodel's migrations,
// table and writer), folding each stream with the domain's own Rehydrate, with the relay
// and Kafka left out. The tests decide when a revision reaches the read model, which is
// what read-your-writes is about. (The projector's own fold is tested in its module;
// command-api does not depend on it.)
type projector struct {
	t      testing.TB
	events *eventstore.Store
	pool   *pgxpool.Pool
	users  *readmodel.UsersWriter
	keys   *subjectkeys.Keyring // opens the sealed fields, as the projector does
}

// startProjector migrates the projector's tables into a's database and makes users v1
// live, as the projector does on its first start.
func startProjector(t testing.TB, a *api) *projector {
	t.Helper()
	return startProjectorOn(t, a, a.dbURL)
}

// startProjectorOn is startProjector with the read models in the database at readURL;
// events still come from a's.
func startProjectorOn(t testing.TB, a *api, readURL string) *projector {
	t.Helper()
	ctx := context.Background()
	pool := projectorPool(t, readURL)
	if err := readmodel.SetupUsers(ctx, pool, 1); err != nil {
		t.Fatal(err)
	}
	v := versions.For(readmodel.Projection, 1, "recall.user.events", readmodel.UsersTable(1))
	if err := versions.Ensure(ctx, pool, v); err != nil {
		t.Fatal(err)
	}
	w, err := readmodel.NewUsersWriter(1)
	if err != nil {
		t.Fatal(err)
	}
	events := pool
	if readURL != a.dbURL {
		events = openPool(t, a.dbURL)
	}
	kek, err := subjectkeys.ParseKEK(testKEK)
	if err != nil {
		t.Fatal(err)
	}
	return &projector{t: t, events: eventstore.New(events), pool: pool, users: w,
		keys: subjectkeys.New(events, kek, subjectkeys.Options{CacheTTL: -1})}
}

// projectorPool migrates the projector's own tables (projections, ...) into the
// database at url and opens a pool on it.
func projectorPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	if err := pgmigrate.Up(context.Background(), url, readmodel.Migrations); err != nil {
		t.Fatal(err)
	}
	return openPool(t, url)
}

func openPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// project applies user id's events up to revision upTo (0: all of them). Revisions the
// read model holds already are skipped by the projection, as redeliveries are.
func (p *projector) project(id string, upTo int64) {
	p.t.Helper()
	evs, err := p.events.ReadStream(context.Background(), uuid.MustParse(id), eventstore.StreamRange{ToRevision: upTo})
	if err != nil {
		p.t.Fatal(err)
	}
	p.apply(evs)
}

// projectAfter projects id up to upTo after delay, from a goroutine; the channel says how
// it went.
func (p *projector) projectAfter(delay time.Duration, id string, upTo int64) <-chan error {
	done := make(chan error, 1)
	go func() {
		time.Sleep(delay)
		evs, err := p.events.ReadStream(context.Background(), uuid.MustParse(id), eventstore.StreamRange{ToRevision: upTo})
		if err == nil {
			err = p.try(evs)
		}
		done <- err
	}()
	return done
}

// projectAll applies the whole log.
func (p *projector) projectAll() {
	p.t.Helper()
	evs, err := p.events.ReadAll(context.Background(), 0, 100_000)
	if err != nil {
		p.t.Fatal(err)
	}
	p.apply(evs)
}

func (p *projector) apply(evs []eventstore.Event) {
	p.t.Helper()
	if err := p.try(evs); err != nil {
		p.t.Fatal(err)
	}
}

// try is apply without failing the test, for goroutines: each stream in evs is folded
// from its first event and its row written unless the read model is already there.
func (p *projector) try(evs []eventstore.Event) error {
	byID := map[uuid.UUID][]eventstore.Event{}
	var order []uuid.UUID
	for _, e := range evs {
		if _, ok := byID[e.AggregateID]; !ok {
			order = append(order, e.AggregateID)
		}
		byID[e.AggregateID] = append(byID[e.AggregateID], e)
	}
	ctx := context.Background()
	for _, id := range order {
		last := byID[id][len(byID[id])-1].Revision
		full, err := p.events.ReadStream(ctx, id, eventstore.StreamRange{ToRevision: last})
		if err != nil {
			return err
		}
		recs := make([]user.RecordedEvent, len(full))
		opener := schemas.Opener{Keys: p.keys, Erased: []byte(`""`)}
		for i, e := range full {
			op, err := opener.Open(ctx, e.AggregateType, e.AggregateID.String(), e.EventType, e.SchemaVersion, e.Data, nil)
			if err != nil {
				return err
			}
			unmarshal := user.Unmarshal
			if len(op.Erased) > 0 {
				unmarshal = user.UnmarshalErased
			}
			ev, err := unmarshal(e.EventType, e.SchemaVersion, op.Data)
			if err != nil {
				return err
			}
			recs[i] = user.RecordedEvent{Revision: e.Revision, RecordedAt: e.RecordedAt, Event: ev}
		}
		u, err := user.Rehydrate(id, nil, recs)
		if err != nil {
			return err
		}
		if err := p.write(ctx, u.State()); err != nil {
			return err
		}
	}
	return nil
}

// write stores st as its users row, as the projector would, unless the row is there.
func (p *projector) write(ctx context.Context, st user.State) error {
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		id := strings.ToLower(st.ID.String())
		rows, err := p.users.Lock(ctx, tx, []string{id})
		if err != nil {
			return err
		}
		r := rows[id]
		if r == nil {
			r = &readmodel.Row{ID: id, CreatedAt: st.CreatedAt}
			rows[id] = r
		}
		if r.Revision >= st.Revision {
			return nil
		}
		r.Username, r.Email, r.FirstName, r.LastName = st.Username, st.Email, st.FirstName, st.LastName
		r.Role, r.Status, r.UpdatedAt, r.Revision = st.Role.String(), st.Status.String(), st.UpdatedAt, st.Revision
		r.DeletedAt = nil
		if !st.DeletedAt.IsZero() {
			at := st.DeletedAt
			r.DeletedAt = &at
		}
		return p.users.Write(ctx, tx, rows)
	})
}
