package eventstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
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

// DeleteSnapshots deletes every snapshot of stream id, on db (an append's transaction).
// Snapshots are a cache: the stream rebuilds from its events.
func DeleteSnapshots(ctx context.Context, db execer, id uuid.UUID) error {
	if _, err := db.Exec(ctx, `DELETE FROM snapshots WHERE aggregate_id = $1`, id); err != nil {
		return fmt.Errorf("eventstore: delete snapshots of %s: %w", id, err)
	}
	return nil
}
