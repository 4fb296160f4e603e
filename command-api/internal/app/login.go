package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/user"
)

// Login checks a username and password and returns who they belong to, with the user's
// current role. Every failure is ErrBadCredentials and costs one hash verification, so
// neither the answer nor its timing tells a wrong password from an unknown user; failures
// count towards the username's lockout (known or not), during which Login answers a
// *LockedError without checking anything. A username no user can have (invalid
// characters, NUL) is ErrBadCredentials at once: it reveals nothing and never reaches
// the database. A correct password stored with older hashing parameters is re-hashed.
func (s *Service) Login(ctx context.Context, username, password string) (auth.Principal, error) {
	name, err := user.NewUsername(username)
	if err != nil {
		return auth.Principal{}, ErrBadCredentials
	}
	// Usernames are stored (credentials, lockouts) as the keyed hash their claim holds.
	key := s.claimValue(user.ClaimUsername, name.String())
	if err := s.checkLock(ctx, key); err != nil {
		return auth.Principal{}, err
	}
	id, hash, readAt, found, err := credentials.ByUsername(ctx, s.store.Pool(), key)
	if err != nil {
		return auth.Principal{}, err
	}
	if len(password) > PasswordMaxLen {
		password = "" // still verify, to keep the timing
	}
	ok, err := s.hasher.Verify(ctx, password, hash)
	if err != nil && (errors.Is(err, credentials.ErrBusy) || ctx.Err() != nil) {
		return auth.Principal{}, err
	}
	if err != nil || !ok || !found {
		return auth.Principal{}, s.badCredentials(ctx, key)
	}
	u, err := s.load(ctx, id, pointInTime{})
	if err != nil {
		return auth.Principal{}, err
	}
	if !u.Exists() || u.IsDeleted() || u.IsForgotten() {
		return auth.Principal{}, s.badCredentials(ctx, key)
	}
	if err := s.succeeded(ctx, key); err != nil {
		return auth.Principal{}, err
	}
	s.rehash(ctx, id, password, hash)
	// The token dates from the read of the hash, not from now: the check takes a hash's
	// time and more in the queue (which an attacker can fill), and a password change or
	// reset committed meanwhile, recorded later than this read, must revoke a token won
	// with the old password. To the millisecond, as tokens are compared
	// (auth.Principal.IssuedBefore).
	return auth.Principal{ID: id, Role: u.Role().String(), IssuedAt: readAt.Truncate(time.Millisecond)}, nil
}

// badCredentials records the failure and answers ErrBadCredentials.
func (s *Service) badCredentials(ctx context.Context, username string) error {
	if err := s.failed(ctx, username); err != nil {
		return err
	}
	return ErrBadCredentials
}

// rehash stores a new hash of a verified password when its stored hash has other
// parameters than the hasher's. Best effort: the login succeeds either way, and the next
// one tries again.
func (s *Service) rehash(ctx context.Context, id uuid.UUID, password, old string) {
	if !s.hasher.NeedsRehash(old) {
		return
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err == nil {
		_ = credentials.Rehash(ctx, s.store.Pool(), id, old, hash)
	}
}

// usernameTaken reports whether an active user holds username.
func (s *Service) usernameTaken(ctx context.Context, username string) (bool, error) {
	n, err := user.NewUsername(username)
	if err != nil {
		return false, err
	}
	_, found, err := s.store.ClaimHolder(ctx, string(user.ClaimUsername), s.claimValue(user.ClaimUsername, n.String()))
	return found, err
}
