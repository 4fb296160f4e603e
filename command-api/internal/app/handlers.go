package app

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
)

// Passwords shorter than this are refused; longer than PasswordMaxLen too, since argon2
// would happily hash megabytes on every login attempt.
const (
	PasswordMinLen = 8
	PasswordMaxLen = 256
)

// Handlers are the command handlers of a Service, undecorated.
type Handlers struct {
	CreateUser     CommandHandler[CreateUser]
	UpdateUser     CommandHandler[UpdateUser]
	ChangePassword CommandHandler[ChangePassword]
	ChangeRole     CommandHandler[ChangeRole]
	DeleteUser     CommandHandler[DeleteUser]
	RestoreUser    CommandHandler[RestoreUser]
	ForgetUser     CommandHandler[ForgetUser]
}

// Handlers returns the service's command handlers.
func (s *Service) Handlers() Handlers {
	return Handlers{
		CreateUser: HandlerFunc[CreateUser](s.createUser), UpdateUser: HandlerFunc[UpdateUser](s.updateUser),
		ChangePassword: HandlerFunc[ChangePassword](s.changePassword), ChangeRole: HandlerFunc[ChangeRole](s.changeRole),
		DeleteUser: HandlerFunc[DeleteUser](s.deleteUser), RestoreUser: HandlerFunc[RestoreUser](s.restoreUser),
		ForgetUser: HandlerFunc[ForgetUser](s.forgetUser),
	}
}

func (s *Service) createUser(ctx context.Context, cmd CreateUser) (Result, error) {
	if !cmd.Actor.IsAdmin() {
		return Result{}, ErrForbidden
	}
	if msg := checkPassword(cmd.Password); msg != "" {
		// Report the password with the other fields: decide them now, on an empty user.
		if _, err := user.New(cmd.UserID).Create(withID(cmd)); err != nil {
			if ve, ok := err.(*user.ValidationError); ok {
				ve.Fields["password"] = msg
				return Result{}, ve
			}
		}
		return Result{}, validation("password", msg)
	}
	hash, err := s.hasher.Hash(ctx, cmd.Password)
	if err != nil {
		return Result{}, err
	}
	var created user.UserCreated
	return s.execute(ctx, cmd.Envelope, plan{
		name: cmd.CommandName(),
		decide: func(u *user.User) ([]user.Event, error) {
			evs, err := u.Create(withID(cmd))
			if err == nil {
				created = evs[0].(user.UserCreated)
			}
			return evs, err
		},
		within: func(ctx context.Context, tx pgx.Tx, _ *user.User) error {
			return credentials.Put(ctx, tx, cmd.UserID, s.claimValue(user.ClaimUsername, created.Username), created.Role.String(), hash)
		},
	})
}

func withID(cmd CreateUser) user.CreateUser {
	f := cmd.Fields
	f.ID = cmd.UserID
	return f
}

func (s *Service) updateUser(ctx context.Context, cmd UpdateUser) (Result, error) {
	if !cmd.Actor.MayActOn(cmd.UserID) {
		return Result{}, ErrForbidden
	}
	return s.execute(ctx, cmd.Envelope, plan{name: cmd.CommandName(),
		decide: func(u *user.User) ([]user.Event, error) { return u.Update(cmd.Fields) }})
}

func (s *Service) changeRole(ctx context.Context, cmd ChangeRole) (Result, error) {
	if !cmd.Actor.IsAdmin() {
		return Result{}, ErrForbidden
	}
	return s.execute(ctx, cmd.Envelope, plan{name: cmd.CommandName(),
		decide: func(u *user.User) ([]user.Event, error) { return u.ChangeRole(user.ChangeRole{Role: cmd.Role}) },
		within: func(ctx context.Context, tx pgx.Tx, before *user.User) error {
			if err := keepAnAdmin(ctx, tx, before); err != nil {
				return err
			}
			return credentials.SetRole(ctx, tx, cmd.UserID, cmd.Role)
		}})
}

// keepAnAdmin refuses, inside the append's transaction, to demote or delete before when
// it is the last active admin. Only a change that appends runs it: a no-op role change
// appends nothing.
func keepAnAdmin(ctx context.Context, tx pgx.Tx, before *user.User) error {
	if before.Role() != user.RoleAdmin {
		return nil
	}
	n, err := credentials.OtherActiveAdmins(ctx, tx, before.ID())
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

func (s *Service) deleteUser(ctx context.Context, cmd DeleteUser) (Result, error) {
	if !cmd.Actor.IsAdmin() {
		return Result{}, ErrForbidden
	}
	return s.execute(ctx, cmd.Envelope, plan{name: cmd.CommandName(),
		decide: func(u *user.User) ([]user.Event, error) { return u.Delete(user.DeleteUser{}) },
		within: func(ctx context.Context, tx pgx.Tx, before *user.User) error {
			if err := keepAnAdmin(ctx, tx, before); err != nil {
				return err
			}
			return credentials.SetActive(ctx, tx, cmd.UserID, false)
		}})
}

func (s *Service) restoreUser(ctx context.Context, cmd RestoreUser) (Result, error) {
	if !cmd.Actor.IsAdmin() {
		return Result{}, ErrForbidden
	}
	return s.execute(ctx, cmd.Envelope, plan{name: cmd.CommandName(),
		decide: func(u *user.User) ([]user.Event, error) { return u.Restore(user.RestoreUser{}) },
		within: func(ctx context.Context, tx pgx.Tx, _ *user.User) error {
			return credentials.SetActive(ctx, tx, cmd.UserID, true)
		}})
}

// personalValues reads every personal value u's stream recorded up to u's revision (a
// forget is rare: the whole stream, opened, is read for it); none for a user that does
// not exist or is forgotten, whom Forget refuses anyway.
func (s *Service) personalValues(ctx context.Context, u *user.User) ([]string, error) {
	if !u.Exists() || u.IsForgotten() {
		return nil, nil
	}
	events, err := s.store.ReadStream(ctx, u.ID(), eventstore.StreamRange{FromRevision: 1, ToRevision: u.Revision()})
	if err != nil {
		return nil, err
	}
	recorded, _, err := s.decodeUntil(ctx, events, time.Time{})
	if err != nil {
		return nil, err
	}
	return user.PersonalValues(recorded), nil
}

// forgetUser erases the person: UserForgotten, and in the same transaction their data
// key deleted (every sealed copy of their data becomes unreadable), their claims
// released (their username and email are free again), their snapshots and credentials
// deleted. Once it committed, this process forgets the key at once; other command-api
// instances see it in subject_keys before they show the person (noteErasures, DataKey).
func (s *Service) forgetUser(ctx context.Context, cmd ForgetUser) (Result, error) {
	if !cmd.Actor.IsAdmin() {
		return Result{}, ErrForbidden
	}
	res, err := s.execute(ctx, cmd.Envelope, plan{name: cmd.CommandName(),
		decide: func(u *user.User) ([]user.Event, error) {
			former, err := s.personalValues(ctx, u)
			if err != nil {
				return nil, err
			}
			return u.Forget(user.ForgetUser{Reason: cmd.Meta.Reason, Former: former})
		},
		within: func(ctx context.Context, tx pgx.Tx, _ *user.User) error {
			if s.keys != nil {
				if err := s.keys.Delete(ctx, tx, cmd.UserID); err != nil {
					return err
				}
			}
			if err := eventstore.ReleaseAllClaims(ctx, tx, cmd.UserID); err != nil {
				return err
			}
			if err := eventstore.DeleteSnapshots(ctx, tx, cmd.UserID); err != nil {
				return err
			}
			return credentials.Delete(ctx, tx, cmd.UserID)
		}})
	if err == nil && s.keys != nil {
		s.keys.Erased(cmd.UserID)
	}
	return res, err
}

// checkPassword returns a problem message for an unacceptable password, "" otherwise.
func checkPassword(p string) string {
	switch n := len([]rune(p)); {
	case p == "":
		return "is required"
	case n < PasswordMinLen:
		return "must be at least 8 characters"
	case len(p) > PasswordMaxLen:
		return "must be at most 256 bytes"
	case credentials.Common(p):
		return "is a commonly used password; choose another"
	}
	return ""
}
