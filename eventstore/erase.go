package eventstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ReleaseAllClaims gives up every unique value stream id holds, on db (an append's
// transaction, from AppendRequest.Within). Forgetting a person frees their username and
// email without reading them: once their key is gone nobody could.
func ReleaseAllClaims(ctx context.Context, db execer, id uuid.UUID) error {
	if _, err := db.Exec(ctx, `DELETE FROM unique_claims WHERE aggregate_id = $1`, id); err != nil {
		return fmt.Errorf("eventstore: release claims of %s: %w", id, err)
	}
	return nil
}

// ClaimHolder returns the stream holding the unique value (kind, value); found is false
// when nobody holds it.
func (s *Store) ClaimHolder(ctx context.Context, kind, value string) (id uuid.UUID, found bool, err error) {
	err = s.pool.QueryRow(ctx, `SELECT aggregate_id FROM unique_claims WHERE kind = $1 AND value = $2`, kind, value).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("eventstore: claim holder: %w", err)
	}
	return id, true, nil
}

// RewriteClaims replaces, in one transaction, every claim value for which rewrite
// returns a different one (e.g. hashing claims written in plaintext by an older release)
// and returns how many it changed.
func (s *Store) RewriteClaims(ctx context.Context, rewrite func(kind, value string) (string, bool)) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT kind, value FROM unique_claims FOR UPDATE`)
		if err != nil {
			return err
		}
		claims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Claim, error) {
			var c Claim
			return c, r.Scan(&c.Kind, &c.Value)
		})
		if err != nil {
			return err
		}
		for _, c := range claims {
			v, change := rewrite(c.Kind, c.Value)
			if !change || v == c.Value {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE unique_claims SET value = $3 WHERE kind = $1 AND value = $2`, c.Kind, c.Value, v); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("eventstore: rewrite claims: %w", err)
	}
	return n, nil
}

// DeleteSnapshotsBelow deletes the snapshots of aggregateType whose state version is
// below version (a format no reader uses any more) and returns how many.
func (s *Store) DeleteSnapshotsBelow(ctx context.Context, aggregateType string, version int) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM snapshots WHERE aggregate_type = $1 AND state_version < $2`, aggregateType, version)
	if err != nil {
		return 0, fmt.Errorf("eventstore: delete old snapshots: %w", err)
	}
	return tag.RowsAffected(), nil
}

// DeleteSnapshots deletes every snapshot of stream id, on db (an append's transaction).
// Snapshots are a cache: the stream rebuilds from its events.
func DeleteSnapshots(ctx context.Context, db execer, id uuid.UUID) error {
	if _, err := db.Exec(ctx, `DELETE FROM snapshots WHERE aggregate_id = $1`, id); err != nil {
		return fmt.Errorf("eventstore: delete snapshots of %s: %w", id, err)
	}
	return nil
}
