package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/user"
)

// Failure records older than this (and no longer locked) are purged, a batch every
// purgeEvery recorded failures.
const (
	failureMaxAge = 24 * time.Hour
	purgeEvery    = 64
	purgeBatch    = 500
)

// checkLock is a *LockedError while username is locked out: the password is then not
// even checked, so a locked account costs an attacker's guesses no hashing either.
func (s *Service) checkLock(ctx context.Context, username string) error {
	if s.opts.Lockout.Threshold < 0 {
		return nil
	}
	left, err := credentials.LockedFor(ctx, s.store.Pool(), username)
	if err != nil {
		return err
	}
	if left > 0 {
		return &LockedError{RetryAfter: left}
	}
	return nil
}

// failed counts a failed password check of username (known or not).
func (s *Service) failed(ctx context.Context, username string) error {
	if s.opts.Lockout.Threshold < 0 {
		return nil
	}
	left, err := credentials.RecordFailure(ctx, s.store.Pool(), username, s.opts.Lockout)
	if err != nil {
		return err
	}
	if left > 0 && s.opts.Metrics != nil {
		s.opts.Metrics.Lockouts.Inc()
	}
	if s.failures.Add(1)%purgeEvery == 0 {
		return credentials.PurgeFailures(ctx, s.store.Pool(), failureMaxAge, purgeBatch)
	}
	return nil
}

// succeeded forgets username's failures after a correct password.
func (s *Service) succeeded(ctx context.Context, username string) error {
	if s.opts.Lockout.Threshold < 0 {
		return nil
	}
	_, err := credentials.ClearFailures(ctx, s.store.Pool(), username)
	return err
}

// ClearLockout forgets the failed password checks and lockout of user id's username, for
// an admin (a user locked out by someone guessing its password). cleared says whether
// there was anything to clear.
func (s *Service) ClearLockout(ctx context.Context, actor auth.Principal, id uuid.UUID) (cleared bool, err error) {
	if !actor.IsAdmin() {
		return false, ErrForbidden
	}
	u, err := s.load(ctx, id, pointInTime{})
	if err != nil {
		return false, err
	}
	if !u.Exists() {
		return false, fmt.Errorf("user %s: %w", id, user.ErrNotFound)
	}
	cleared, err = credentials.ClearFailures(ctx, s.store.Pool(), s.claimValue(user.ClaimUsername, u.Username().String()))
	if cleared && s.opts.Metrics != nil {
		s.opts.Metrics.LockoutsCleared.Inc()
	}
	return cleared, err
}
