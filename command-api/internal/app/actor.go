package app

import (
	"context"

	"github.com/recall-events/recall/command-api/internal/auth"
)

// CurrentActor checks the principal of a verified token against the user's current
// state and returns the principal to act as: the role comes from the aggregate, not the
// token, so a demotion takes effect on the actor's next request. A deleted or unknown
// user is ErrUnknownActor, whatever its token says; a token issued before the user's last
// password change, role change or deletion is ErrTokenRevoked. The system actor
// (bootstrap) has no stream and is returned as is.
//
// It uses the command path's load (state cache plus the events after it), so checking an
// actor costs one usually empty stream read.
func (s *Service) CurrentActor(ctx context.Context, p auth.Principal) (auth.Principal, error) {
	if p.Role == auth.RoleSystem || p.Role == auth.RoleOperator {
		return p, nil
	}
	u, err := s.load(ctx, p.ID, pointInTime{})
	if err != nil {
		return auth.Principal{}, err
	}
	if !u.Exists() || u.IsDeleted() || u.IsForgotten() {
		return auth.Principal{}, ErrUnknownActor
	}
	if p.IssuedBefore(u.TokensValidFrom()) {
		return auth.Principal{}, ErrTokenRevoked
	}
	return auth.Principal{ID: p.ID, Role: u.Role().String(), IssuedAt: p.IssuedAt}, nil
}
