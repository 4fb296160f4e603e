package users

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/recall-events/recall/projector/readmodel"
)

// ddl holds the statements creating each version's table, given the quoted
// table name and a bare name for indexes. They must be idempotent: every
// projector instance runs them at start.
var ddl = map[int]func(table, name string) []string{
	1: func(table, name string) []string {
		return []string{
			`CREATE TABLE IF NOT EXISTS ` + table + ` (
    id         uuid PRIMARY KEY,
    username   text COLLATE "C" NOT NULL,
    email      text COLLATE "C" NOT NULL,
    first_name text NOT NULL,
    last_name  text NOT NULL,
    role       text NOT NULL,
    status     text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    revision   bigint NOT NULL
)`,
			// "C" collation: bytewise order, and LIKE 'prefix%' can use the index.
			`CREATE INDEX IF NOT EXISTS ` + name + `_username_id ON ` + table + ` (username, id)`,
			`CREATE INDEX IF NOT EXISTS ` + name + `_email ON ` + table + ` (email)`,
		}
	},
}

// Supported reports whether this build knows how to project version v.
func Supported(v int) bool { _, ok := ddl[v]; return ok }

// Versions lists the versions this build can project, ascending.
func Versions() []int {
	var vs []int
	for v := 1; len(vs) < len(ddl); v++ {
		if Supported(v) {
			vs = append(vs, v)
		}
	}
	return vs
}

// Setup creates version v's table and indexes if missing. A transaction-level
// advisory lock serialises instances starting at once, because concurrent
// CREATE ... IF NOT EXISTS can still collide in the catalog.
func Setup(ctx context.Context, pool *pgxpool.Pool, v int) error {
	stmts, ok := ddl[v]
	if !ok {
		return fmt.Errorf("users: version %d is unknown to this build", v)
	}
	name := readmodel.UsersTable(v)
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "recall.projector.ddl."+name); err != nil {
			return fmt.Errorf("users: setup %s: %w", name, err)
		}
		for _, s := range stmts(pgx.Identifier{name}.Sanitize(), name) {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("users: setup %s: %w", name, err)
			}
		}
		return nil
	})
}
