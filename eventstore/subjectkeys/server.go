package subjectkeys

import (
	"context"
	"crypto/rand"
	"fmt"
)

// claimKeyName names the claim-hashing key in server_keys.
const claimKeyName = "claims-hmac-sha256"

// serverAAD binds the claim key's wrapping to its row.
var serverAAD = []byte("server_keys/" + claimKeyName)

// ClaimKey returns the server's claim-hashing key (HMAC-SHA256), creating it on first
// use. Unique claims hold HMAC(claim key, kind and normalised value): uniqueness holds,
// and the claims table reveals nothing without the key. It is stored wrapped by the KEK,
// so a KEK rotation re-wraps it and no claim changes.
func (k *Keyring) ClaimKey(ctx context.Context) ([]byte, error) {
	k.claimMu.Lock()
	defer k.claimMu.Unlock()
	if k.claim != nil {
		return k.claim, nil
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	wrapped, err := k.kek.wrap(raw, serverAAD)
	if err != nil {
		return nil, err
	}
	// Two processes starting at once: the first insert wins, both read it back.
	if _, err := k.db.Exec(ctx, `INSERT INTO server_keys (name, wrapped, kek_id) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, claimKeyName, wrapped, k.kek.ID()); err != nil {
		return nil, fmt.Errorf("subjectkeys: create claim key: %w", err)
	}
	var kekID string
	if err := k.db.QueryRow(ctx, `SELECT wrapped, kek_id FROM server_keys WHERE name = $1`, claimKeyName).Scan(&wrapped, &kekID); err != nil {
		return nil, fmt.Errorf("subjectkeys: read claim key: %w", err)
	}
	kek, ok := k.keks[kekID]
	if !ok {
		return nil, fmt.Errorf("%w: the claim key is wrapped by KEK %s, which is not configured", ErrKEK, kekID)
	}
	if raw, err = kek.unwrap(wrapped, serverAAD); err != nil {
		return nil, err
	}
	k.claim = raw
	return raw, nil
}
