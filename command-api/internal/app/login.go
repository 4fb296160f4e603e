package app

import (
	"context"
	"strings"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/user"
)

// Login checks a username and password and returns who they belong to, with the user's
// current role. Every failure is ErrBadCredentials and costs one hash verification, so
// neither the answer nor its timing tells a wrong password from an unknown user.
func (s *Service) Login(ctx context.Context, username, password string) (auth.Principal, error) {
	name := strings.ToLower(strings.TrimSpace(username))
	id, hash, found, err := credentials.ByUsername(ctx, s.store.Pool(), name)
	if err != nil {
		return auth.Principal{}, err
	}
	if len(password) > PasswordMaxLen {
		password = "" // still verify, to keep the timing
	}
	ok, err := s.hasher.Verify(ctx, password, hash)
	if err != nil || !ok || !found {
		if err != nil && ctx.Err() != nil {
			return auth.Principal{}, err
		}
		return auth.Principal{}, ErrBadCredentials
	}
	u, err := s.load(ctx, id, pointInTime{})
	if err != nil {
		return auth.Principal{}, err
	}
	if !u.Exists() || u.IsDeleted() {
		return auth.Principal{}, ErrBadCredentials
	}
	return auth.Principal{ID: id, Role: u.Role().String()}, nil
}

// usernameTaken reports whether an active user holds username.
func (s *Service) usernameTaken(ctx context.Context, username string) (bool, error) {
	n, err := user.NewUsername(username)
	if err != nil {
		return false, err
	}
	_, _, found, err := credentials.ByUsername(ctx, s.store.Pool(), n.String())
	return found, err
}
