package commandapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/projector/migrations"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/projector/readmodel"
	"github.com/recall-events/recall/projector/users"
	"github.com/recall-events/recall/projector/versions"
	"github.com/recall-events/recall/schemas"
)

// projector is the projector's own users projection (version 1, live) on the api's
// database, fed straight from the event store: the projector's real migrations, DDL and
// apply path (users.Projection.Handle), with the relay and Kafka left out. The tests
// decide when a revision reaches the read model, which is what read-your-writes is about.
type projector struct {
	t      testing.TB
	events *eventstore.Store
	users  *users.Projection
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
	if err := users.Setup(ctx, pool, 1); err != nil {
		t.Fatal(err)
	}
	v := versions.For(users.Name, 1, "recall.user.events", readmodel.UsersTable(1))
	if err := versions.Ensure(ctx, pool, v); err != nil {
		t.Fatal(err)
	}
	proj, err := users.New(pool, 1)
	if err != nil {
		t.Fatal(err)
	}
	events := pool
	if readURL != a.dbURL {
		events = openPool(t, a.dbURL)
	}
	return &projector{t: t, events: eventstore.New(events), users: proj}
}

// projectorPool migrates the projector's own tables (projections, ...) into the
// database at url and opens a pool on it.
func projectorPool(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	if err := migrations.Up(context.Background(), url); err != nil {
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

// try is apply without failing the test, for goroutines.
func (p *projector) try(evs []eventstore.Event) error {
	if len(evs) == 0 {
		return nil
	}
	msgs := make([]projection.Message, len(evs))
	for i, e := range evs {
		msgs[i] = projection.Message{Event: schemas.Event{
			EventID: e.EventID.String(), AggregateType: e.AggregateType, AggregateID: e.AggregateID.String(),
			Revision: e.Revision, EventType: e.EventType, SchemaVersion: e.SchemaVersion, RecordedAt: e.RecordedAt,
			GlobalPosition: e.GlobalPosition, Metadata: e.Metadata, Data: e.Data,
		}}
	}
	_, err := p.users.Handle(context.Background(), msgs)
	return err
}
