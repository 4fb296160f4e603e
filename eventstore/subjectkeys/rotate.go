package subjectkeys

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Rotate re-wraps every key not wrapped by to (data keys and server keys) with to, in
// batches of one transaction each, and returns how many rows it re-wrapped. from lists
// the KEKs the rows may be wrapped by now. Events are not touched: they are sealed with
// the data keys, which do not change. Run it as the migrating user (the API's role may
// not update keys), then configure to as RECALL_KEK everywhere; it is safe to re-run
// after an interruption. A row deleted meanwhile (a forgotten person) stays deleted.
func Rotate(ctx context.Context, db *pgx.Conn, to *KEK, from ...*KEK) (int, error) {
	keks := map[string]*KEK{to.ID(): to}
	for _, f := range from {
		keks[f.ID()] = f
	}
	n, err := rotateServer(ctx, db, to, keks)
	if err != nil {
		return n, err
	}
	for {
		done, err := rotateBatch(ctx, db, to, keks, 500)
		n += done
		if err != nil || done == 0 {
			return n, err
		}
	}
}

func rotateBatch(ctx context.Context, db *pgx.Conn, to *KEK, keks map[string]*KEK, limit int) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT subject_id, key_id, wrapped, kek_id FROM subject_keys
			WHERE kek_id <> $1 ORDER BY subject_id LIMIT $2 FOR UPDATE`, to.ID(), limit)
		if err != nil {
			return err
		}
		type row struct {
			subject, keyID uuid.UUID
			wrapped        []byte
			kekID          string
		}
		got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			return x, r.Scan(&x.subject, &x.keyID, &x.wrapped, &x.kekID)
		})
		if err != nil {
			return err
		}
		for _, r := range got {
			aad := rowAAD(r.subject, r.keyID.String())
			w, err := rewrap(keks, to, r.kekID, r.wrapped, aad)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE subject_keys SET wrapped = $2, kek_id = $3 WHERE subject_id = $1`, r.subject, w, to.ID()); err != nil {
				return err
			}
		}
		n = len(got)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("subjectkeys: rotate: %w", err)
	}
	return n, nil
}

func rotateServer(ctx context.Context, db *pgx.Conn, to *KEK, keks map[string]*KEK) (int, error) {
	var wrapped []byte
	var kekID string
	err := db.QueryRow(ctx, `SELECT wrapped, kek_id FROM server_keys WHERE name = $1`, claimKeyName).Scan(&wrapped, &kekID)
	if err == pgx.ErrNoRows || (err == nil && kekID == to.ID()) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("subjectkeys: rotate: %w", err)
	}
	w, err := rewrap(keks, to, kekID, wrapped, serverAAD)
	if err != nil {
		return 0, err
	}
	if _, err := db.Exec(ctx, `UPDATE server_keys SET wrapped = $2, kek_id = $3 WHERE name = $1`, claimKeyName, w, to.ID()); err != nil {
		return 0, fmt.Errorf("subjectkeys: rotate: %w", err)
	}
	return 1, nil
}

func rewrap(keks map[string]*KEK, to *KEK, kekID string, wrapped, aad []byte) ([]byte, error) {
	from, ok := keks[kekID]
	if !ok {
		return nil, fmt.Errorf("%w: a row is wrapped by KEK %s, which was not given", ErrKEK, kekID)
	}
	raw, err := from.unwrap(wrapped, aad)
	if err != nil {
		return nil, err
	}
	return to.wrap(raw, aad)
}
