package credentials

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what the writes need: the append's transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Querier is what the reads need: the pool.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Put stores the hash of user id (insert or replace); call it inside the transaction of the
// event that justifies it (UserCreated, PasswordChanged).
func Put(ctx context.Context, db DB, id uuid.UUID, username, hash string) error {
	_, err := db.Exec(ctx, `INSERT INTO credentials (user_id, username, hash) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash, updated_at = now()`, id, username, hash)
	if err != nil {
		return fmt.Errorf("credentials: put %s: %w", id, err)
	}
	return nil
}

// SetActive follows UserDeleted (false) and UserRestored (true) in their transaction.
func SetActive(ctx context.Context, db DB, id uuid.UUID, active bool) error {
	_, err := db.Exec(ctx, `UPDATE credentials SET active = $2, updated_at = now() WHERE user_id = $1`, id, active)
	if err != nil {
		return fmt.Errorf("credentials: set active %s: %w", id, err)
	}
	return nil
}

// ByUsername returns the user id and hash of the active user called username; found is
// false when there is none.
func ByUsername(ctx context.Context, q Querier, username string) (id uuid.UUID, hash string, found bool, err error) {
	err = q.QueryRow(ctx, `SELECT user_id, hash FROM credentials WHERE username = $1 AND active`, username).Scan(&id, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, "", false, nil
	}
	if err != nil {
		return uuid.Nil, "", false, fmt.Errorf("credentials: lookup: %w", err)
	}
	return id, hash, true, nil
}

// ByID returns the hash of user id; found is false when the user has none.
func ByID(ctx context.Context, q Querier, id uuid.UUID) (hash string, found bool, err error) {
	err = q.QueryRow(ctx, `SELECT hash FROM credentials WHERE user_id = $1`, id).Scan(&hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("credentials: lookup %s: %w", id, err)
	}
	return hash, true, nil
}
