package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/user"
)

// ErrRecoveryReason: RecoverAdmin needs a reason; it is recorded on the events.
var ErrRecoveryReason = errors.New("app: an admin recovery needs a reason")

// Recovery is what RecoverAdmin did.
type Recovery struct {
	UserID   uuid.UUID
	Restored bool  // the user was deleted and is restored
	Promoted bool  // false: it was an admin already
	Revision int64 // the stream's revision afterwards
}

// RecoverAdmin makes the user called username an active admin again, as the operator:
// the way back when no admin is left to do it (the API refuses to demote or delete the
// last one, but an operator may have edited the database). It restores the user if it is
// deleted and changes its role to admin, through the normal handlers: the events record
// actor "operator" and reason, as any other change.
func (s *Service) RecoverAdmin(ctx context.Context, h Handlers, username, reason string) (Recovery, error) {
	why, err := user.NormalizeReason(reason)
	if err != nil || strings.TrimSpace(why) == "" {
		return Recovery{}, errors.Join(ErrRecoveryReason, err)
	}
	name, err := user.NewUsername(username)
	if err != nil {
		return Recovery{}, err
	}
	id, found, err := credentials.LatestByUsername(ctx, s.store.Pool(), s.claimValue(user.ClaimUsername, name.String()))
	if err != nil {
		return Recovery{}, err
	}
	if !found {
		return Recovery{}, fmt.Errorf("app: no user was ever called %q: %w", name, user.ErrNotFound)
	}
	env := Envelope{UserID: id, Actor: auth.Principal{Role: auth.RoleOperator},
		Meta: Metadata{Reason: why, RequestID: "recover-admin", CorrelationID: uuid.NewString()}}
	rec := Recovery{UserID: id}
	u, err := s.load(ctx, id, pointInTime{})
	if err != nil {
		return rec, err
	}
	if u.IsDeleted() {
		res, err := h.RestoreUser.Handle(ctx, RestoreUser{Envelope: env})
		if err != nil {
			return rec, fmt.Errorf("app: recover admin: restore: %w", err)
		}
		rec.Restored, rec.Revision = true, res.Revision
	}
	res, err := h.ChangeRole.Handle(ctx, ChangeRole{Envelope: env, Role: user.RoleAdmin.String()})
	if err != nil {
		return rec, fmt.Errorf("app: recover admin: change role: %w", err)
	}
	rec.Promoted = res.Changed
	rec.Revision = max(rec.Revision, res.Revision)
	return rec, nil
}
