package eventstore

import (
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store is the PostgreSQL event store. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
}

// New returns a store on pool; the schema must be migrated (see Migrate).
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Pool is the connection pool the store uses, for callers that read beside it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
