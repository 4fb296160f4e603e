package stacktest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/pgmigrate"
	"github.com/recall-events/recall/schemas"
)

// KEK is the key-encryption key of the test stacks (RECALL_KEK).
const KEK = "cmVjYWxsLXRlc3Qta2VrLTAxMjM0NTY3ODlhYmNkZWY="

// Keys migrates subject_keys into the database at url and returns a keyring on it.
func Keys(t testing.TB, url string, pool *pgxpool.Pool) *subjectkeys.Keyring {
	t.Helper()
	if err := pgmigrate.Up(context.Background(), url, subjectkeys.Migrations); err != nil {
		t.Fatal(err)
	}
	return subjectkeys.New(pool, ParsedKEK(t), subjectkeys.Options{CacheTTL: -1})
}

// ParsedKEK is KEK, parsed: for keyrings of the tests' own (another process's, one that
// caches).
func ParsedKEK(t testing.TB) *subjectkeys.KEK {
	t.Helper()
	kek, err := subjectkeys.ParseKEK(KEK)
	if err != nil {
		t.Fatal(err)
	}
	return kek
}

// Sealer writes events as command-api does: at the current (sealed) versions, with the
// person's data key created in subject_keys.
type Sealer struct {
	t    testing.TB
	keys *subjectkeys.Keyring
	pool *pgxpool.Pool
	dk   map[string]*schemas.DataKey
}

// NewSealer returns a Sealer storing keys with keys on pool.
func NewSealer(t testing.TB, keys *subjectkeys.Keyring, pool *pgxpool.Pool) *Sealer {
	return &Sealer{t: t, keys: keys, pool: pool, dk: map[string]*schemas.DataKey{}}
}

// Event is Event at the current version with data's personal fields sealed; the first
// event of id creates its key.
func (s *Sealer) Event(id string, revision int64, eventType string, data any) schemas.Event {
	s.t.Helper()
	dk, ok := s.dk[id]
	if !ok {
		k, err := s.keys.Create(context.Background(), s.pool, uuid.MustParse(id))
		if err != nil {
			s.t.Fatal(err)
		}
		if dk, err = schemas.NewDataKey(k.ID, k.Raw); err != nil {
			s.t.Fatal(err)
		}
		s.dk[id] = dk
	}
	e := Event(id, revision, eventType, data, schemas.CurrentVersion(eventType))
	sealed, err := schemas.SealData(dk, e.AggregateType, id, eventType, e.SchemaVersion, e.Data)
	if err != nil {
		s.t.Fatal(err)
	}
	e.Data = sealed
	return e
}

// Forget deletes id's key, as command-api does in the transaction of UserForgotten, and
// returns that event.
func (s *Sealer) Forget(id string, revision int64, reason string) schemas.Event {
	s.t.Helper()
	if err := s.keys.Delete(context.Background(), s.pool, uuid.MustParse(id)); err != nil {
		s.t.Fatal(err)
	}
	e := Event(id, revision, "UserForgotten", struct{}{})
	meta, _ := json.Marshal(map[string]string{"actor_id": "00000000-0000-0000-0000-000000000001", "actor_role": "admin", "reason": reason})
	e.Metadata = meta
	return e
}
