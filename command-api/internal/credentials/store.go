package credentials

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// Tx is what a read-then-write inside the append's transaction needs.
type Tx interface {
	DB
	Querier
}

// Put stores the hash of user id (insert, or replace the hash only); call it inside the
// transaction of the event that justifies it (UserCreated, PasswordChanged). role is
// stored on insert only: SetRole follows RoleChanged.
func Put(ctx context.Context, db DB, id uuid.UUID, username, role, hash string) error {
	_, err := db.Exec(ctx, `INSERT INTO credentials (user_id, username, role, hash) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash, updated_at = now()`, id, username, role, hash)
	if err != nil {
		return fmt.Errorf("credentials: put %s: %w", id, err)
	}
	return nil
}

// Rehash replaces user id's hash with a stronger one when it still is old, outside any
// event: the password did not change, only its storage.
func Rehash(ctx context.Context, db DB, id uuid.UUID, old, hash string) error {
	_, err := db.Exec(ctx, `UPDATE credentials SET hash = $3, updated_at = now() WHERE user_id = $1 AND hash = $2`, id, old, hash)
	if err != nil {
		return fmt.Errorf("credentials: rehash %s: %w", id, err)
	}
	return nil
}

// SetRole follows RoleChanged in its transaction.
func SetRole(ctx context.Context, db DB, id uuid.UUID, role string) error {
	_, err := db.Exec(ctx, `UPDATE credentials SET role = $2, updated_at = now() WHERE user_id = $1`, id, role)
	if err != nil {
		return fmt.Errorf("credentials: set role %s: %w", id, err)
	}
	return nil
}

// OtherActiveAdmins counts the active admins other than id, inside the transaction
// that would demote or delete id. It locks every active admin's row, always in user id
// order: two admins demoting each other at once then run one after the other (no
// deadlock), and the second sees the first's demotion.
func OtherActiveAdmins(ctx context.Context, tx Querier, id uuid.UUID) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE user_id <> $1) FROM (
		SELECT user_id FROM credentials WHERE active AND role = 'admin' ORDER BY user_id FOR UPDATE) a`, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("credentials: count admins: %w", err)
	}
	return n, nil
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
//
// readAt is the database's clock when the row was read: a login's token dates from it,
// so a password change committed while the hash was being checked (its recorded_at is
// later) revokes the token.
func ByUsername(ctx context.Context, q Querier, username string) (id uuid.UUID, hash string, readAt time.Time, found bool, err error) {
	err = q.QueryRow(ctx, `SELECT user_id, hash, clock_timestamp() FROM credentials WHERE username = $1 AND active`, username).
		Scan(&id, &hash, &readAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, "", time.Time{}, false, nil
	}
	if err != nil {
		return uuid.Nil, "", time.Time{}, false, fmt.Errorf("credentials: lookup: %w", err)
	}
	return id, hash, readAt, true, nil
}

// LatestByUsername returns the user id of the active user called username, or else of
// the most recently changed deleted one; found is false when no user ever had the name.
func LatestByUsername(ctx context.Context, q Querier, username string) (id uuid.UUID, found bool, err error) {
	err = q.QueryRow(ctx, `SELECT user_id FROM credentials WHERE username = $1
		ORDER BY active DESC, updated_at DESC LIMIT 1`, username).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("credentials: lookup: %w", err)
	}
	return id, true, nil
}

// ByID returns the hash and username of user id; found is false when the user has none.
func ByID(ctx context.Context, q Querier, id uuid.UUID) (hash, username string, found bool, err error) {
	err = q.QueryRow(ctx, `SELECT hash, username FROM credentials WHERE user_id = $1`, id).Scan(&hash, &username)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("credentials: lookup %s: %w", id, err)
	}
	return hash, username, true, nil
}

// Lockout is the policy of failed password checks per username: from the Threshold-th
// consecutive failure on, the username is locked for Base, doubling with every further
// failure up to Max. A success clears the count.
type Lockout struct {
	Threshold int
	Base, Max time.Duration
}

// LockedFor returns how long username stays locked (0: not locked).
func LockedFor(ctx context.Context, q Querier, username string) (time.Duration, error) {
	var secs float64
	err := q.QueryRow(ctx, `SELECT extract(epoch FROM locked_until - now())::float8 FROM login_failures
		WHERE username = $1 AND locked_until > now()`, username).Scan(&secs)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("credentials: lockout lookup: %w", err)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// RecordFailure counts a failed password check of username and returns how long it is
// locked now (0: not yet). The doubling is computed in one statement, so concurrent
// failures on several instances all count.
func RecordFailure(ctx context.Context, q Querier, username string, l Lockout) (time.Duration, error) {
	var secs float64
	err := q.QueryRow(ctx, `INSERT INTO login_failures AS f (username, failures, locked_until)
		VALUES ($1, 1, CASE WHEN $2 <= 1 THEN now() + make_interval(secs => $3) END)
		ON CONFLICT (username) DO UPDATE SET failures = f.failures + 1, updated_at = now(),
			locked_until = CASE WHEN f.failures + 1 >= $2
				THEN now() + make_interval(secs => least($3 * power(2, least(f.failures + 1 - $2, 30)), $4)) END
		RETURNING coalesce(extract(epoch FROM f.locked_until - now()), 0)::float8`,
		username, l.Threshold, l.Base.Seconds(), l.Max.Seconds()).Scan(&secs)
	if err != nil {
		return 0, fmt.Errorf("credentials: record failure: %w", err)
	}
	return time.Duration(max(secs, 0) * float64(time.Second)), nil
}

// ClearFailures forgets username's failures and lockout (a success, or an admin's
// clear); cleared says whether there was anything to forget.
func ClearFailures(ctx context.Context, db DB, username string) (cleared bool, err error) {
	tag, err := db.Exec(ctx, `DELETE FROM login_failures WHERE username = $1`, username)
	if err != nil {
		return false, fmt.Errorf("credentials: clear failures: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// PurgeFailures deletes at most limit failure records untouched for longer than age
// (and no longer locked), so guessed usernames do not pile up.
func PurgeFailures(ctx context.Context, db DB, age time.Duration, limit int) error {
	_, err := db.Exec(ctx, `DELETE FROM login_failures WHERE username IN (
		SELECT username FROM login_failures WHERE updated_at < now() - make_interval(secs => $1)
			AND (locked_until IS NULL OR locked_until < now()) LIMIT $2)`, age.Seconds(), limit)
	if err != nil {
		return fmt.Errorf("credentials: purge failures: %w", err)
	}
	return nil
}

// Delete removes user id's row, in the transaction of UserForgotten.
func Delete(ctx context.Context, db DB, id uuid.UUID) error {
	if _, err := db.Exec(ctx, `DELETE FROM credentials WHERE user_id = $1`, id); err != nil {
		return fmt.Errorf("credentials: delete %s: %w", id, err)
	}
	return nil
}

// HashUsernames replaces the usernames an older release stored in plaintext (in
// credentials and login_failures) with hash(username); hashed ones start with prefix. It
// returns how many rows it changed.
func HashUsernames(ctx context.Context, db interface {
	DB
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}, prefix string, hash func(string) string) (int, error) {
	rows, err := db.Query(ctx, `SELECT user_id, username FROM credentials WHERE left(username, length($1)) <> $1`, prefix)
	if err != nil {
		return 0, fmt.Errorf("credentials: hash usernames: %w", err)
	}
	type row struct {
		id   uuid.UUID
		name string
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.name); err != nil {
			rows.Close()
			return 0, fmt.Errorf("credentials: hash usernames: %w", err)
		}
		todo = append(todo, r)
	}
	rows.Close()
	for _, r := range todo {
		if _, err := db.Exec(ctx, `UPDATE credentials SET username = $2 WHERE user_id = $1`, r.id, hash(r.name)); err != nil {
			return 0, fmt.Errorf("credentials: hash usernames: %w", err)
		}
	}
	// Failures are transient: the plaintext ones are dropped, not converted.
	if _, err := db.Exec(ctx, `DELETE FROM login_failures WHERE left(username, length($1)) <> $1`, prefix); err != nil {
		return 0, fmt.Errorf("credentials: hash usernames: %w", err)
	}
	return len(todo), nil
}
