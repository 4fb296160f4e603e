package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
)

// BootstrapAdmin creates the first admin through the normal CreateUser path, with the
// actor "system". It does nothing when the username is already taken, so every start
// (and several processes starting at once) may call it. created says whether it did.
func (s *Service) BootstrapAdmin(ctx context.Context, h CommandHandler[CreateUser], username, password string) (created bool, err error) {
	taken, err := s.usernameTaken(ctx, username)
	if err != nil || taken {
		return false, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return false, err
	}
	_, err = h.Handle(ctx, CreateUser{
		Envelope: Envelope{UserID: id, Actor: auth.Principal{Role: auth.RoleSystem},
			Meta: Metadata{Reason: "bootstrap admin"}},
		Fields:   user.CreateUser{Username: username, Email: username + "@recall.invalid", FirstName: "Recall", LastName: "Admin", Role: auth.RoleAdmin},
		Password: password,
	})
	var ce *eventstore.ClaimError
	if errors.As(err, &ce) {
		return false, nil // another process bootstrapped it first
	}
	if err != nil {
		return false, fmt.Errorf("app: bootstrap admin: %w", err)
	}
	return true, nil
}
