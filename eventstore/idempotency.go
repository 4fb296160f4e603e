package eventstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultIdempotencyTTL is how long a stored response answers retries when the caller
// does not say.
const DefaultIdempotencyTTL = 24 * time.Hour

// reserveIdempotency inserts the key before anything else in the transaction. A
// concurrent request with the same key waits on the primary key until this transaction
// ends, then sees the row: it never appends twice.
func reserveIdempotency(ctx context.Context, tx pgx.Tx, idem *Idempotency) error {
	ttl := idem.TTL
	if ttl <= 0 {
		ttl = DefaultIdempotencyTTL
	}
	tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (scope, key, fingerprint, expires_at)
		VALUES ($1, $2, $3, now() + $4::interval)
		ON CONFLICT (scope, key) DO UPDATE
			SET fingerprint = EXCLUDED.fingerprint, response = NULL,
			    created_at = now(), expires_at = EXCLUDED.expires_at
			WHERE idempotency_keys.expires_at <= now()`,
		idem.Scope, idem.Key, idem.Fingerprint, ttl.String())
	if err != nil {
		return fmt.Errorf("eventstore: idempotency: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var fp []byte
	if err := tx.QueryRow(ctx, `SELECT fingerprint FROM idempotency_keys WHERE scope = $1 AND key = $2`,
		idem.Scope, idem.Key).Scan(&fp); err != nil {
		return fmt.Errorf("eventstore: idempotency: %w", err)
	}
	if !bytes.Equal(fp, idem.Fingerprint) {
		return ErrIdempotencyMismatch
	}
	return ErrIdempotencyReplay
}

func storeResponse(ctx context.Context, tx pgx.Tx, idem *Idempotency, recorded []Recorded) error {
	if idem.Response == nil {
		return fmt.Errorf("%w: idempotency record without a response", ErrInvalidAppend)
	}
	resp, err := idem.Response(recorded)
	if err != nil {
		return fmt.Errorf("eventstore: idempotency response: %w", err)
	}
	return writeResponse(ctx, tx, idem, resp)
}

func writeResponse(ctx context.Context, tx pgx.Tx, idem *Idempotency, resp []byte) error {
	_, err := tx.Exec(ctx, `UPDATE idempotency_keys SET response = $3 WHERE scope = $1 AND key = $2`,
		idem.Scope, idem.Key, resp)
	if err != nil {
		return fmt.Errorf("eventstore: idempotency: %w", err)
	}
	return nil
}

// RecordIdempotency stores the response of a request that appended nothing (a command
// that decided no events) under its key, in one small transaction with the same
// reservation as Append: a retry then replays it, and the key reused for another request
// is ErrIdempotencyMismatch. ErrIdempotencyReplay: the key already holds this request's
// response (look it up). idem.Response is not called; response is stored as given.
func (s *Store) RecordIdempotency(ctx context.Context, idem *Idempotency, response []byte) error {
	if idem == nil || response == nil {
		return fmt.Errorf("%w: idempotency record without a response", ErrInvalidAppend)
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := reserveIdempotency(ctx, tx, idem); err != nil {
			return err
		}
		return writeResponse(ctx, tx, idem, response)
	})
}

// LookupIdempotency returns the stored response of key in scope: found=false when there is
// none (or it expired); ErrIdempotencyMismatch when the key was used for another request.
func (s *Store) LookupIdempotency(ctx context.Context, scope, key string, fingerprint []byte) (response []byte, found bool, err error) {
	var fp []byte
	err = s.pool.QueryRow(ctx, `SELECT fingerprint, response FROM idempotency_keys
		WHERE scope = $1 AND key = $2 AND expires_at > now()`, scope, key).Scan(&fp, &response)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("eventstore: idempotency lookup: %w", err)
	}
	if !bytes.Equal(fp, fingerprint) {
		return nil, false, ErrIdempotencyMismatch
	}
	return response, response != nil, nil
}

// DefaultPurgeBatch bounds one PurgeIdempotency call when the caller gives no limit.
const DefaultPurgeBatch = 1000

// PurgeIdempotency deletes at most limit expired records (DefaultPurgeBatch when limit ≤
// 0) and says how many; call it again while it returns limit. Bounded batches keep each
// delete's transaction, locks and WAL small however many records expired at once.
func (s *Store) PurgeIdempotency(ctx context.Context, limit int) (int64, error) {
	if limit <= 0 {
		limit = DefaultPurgeBatch
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE ctid IN (
		SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1
		FOR UPDATE SKIP LOCKED)`, limit)
	if err != nil {
		return 0, fmt.Errorf("eventstore: purge idempotency: %w", err)
	}
	return tag.RowsAffected(), nil
}
