package app

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/user"
)

// changePassword: a user changes its own password and must prove the current one; an
// admin may reset anyone's without it (recorded as reset_by_admin).
func (s *Service) changePassword(ctx context.Context, cmd ChangePassword) (Result, error) {
	if !cmd.Actor.MayChangePassword(cmd.UserID) {
		return Result{}, ErrForbidden
	}
	if msg := checkPassword(cmd.New); msg != "" {
		return Result{}, validation("new_password", msg)
	}
	reset := cmd.Current == nil && cmd.Actor.IsAdmin()
	if !reset {
		if err := s.checkCurrent(ctx, cmd); err != nil {
			return Result{}, err
		}
	}
	hash, err := s.hasher.Hash(ctx, cmd.New)
	if err != nil {
		return Result{}, err
	}
	return s.execute(ctx, cmd.Envelope, plan{name: cmd.CommandName(),
		decide: func(u *user.User) ([]user.Event, error) {
			return u.ChangePassword(user.ChangePassword{ResetByAdmin: reset})
		},
		within: func(ctx context.Context, tx pgx.Tx, before *user.User) error {
			return credentials.Put(ctx, tx, cmd.UserID, s.claimValue(user.ClaimUsername, before.Username().String()), before.Role().String(), hash)
		}})
}

// checkCurrent verifies the current password like a login does: a wrong one counts
// towards the username's lockout, and a locked username is not checked at all, so this
// route cannot be used to guess passwords past the login's limits.
func (s *Service) checkCurrent(ctx context.Context, cmd ChangePassword) error {
	if cmd.Current == nil {
		return validation("current_password", "is required")
	}
	hash, username, found, err := credentials.ByID(ctx, s.store.Pool(), cmd.UserID)
	if err != nil || !found {
		return err // not found: the command itself answers it
	}
	if err := s.checkLock(ctx, username); err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, *cmd.Current, hash)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.failed(ctx, username); err != nil {
			return err
		}
		return validation("current_password", "is incorrect")
	}
	return s.succeeded(ctx, username)
}
