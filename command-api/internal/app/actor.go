package app

import (
	"context"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/user"
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
	return actorAt(p, u)
}

// CachedActor is CurrentActor on the cached state of the user, without a read, when the
// cache holds one that accepts the token; cached reports that. Such a principal is
// provisional: an append on its behalf is guarded on its Revision (ErrActorChanged when
// the user moved), and any other answer must be confirmed with CurrentActor. A cached
// state that refuses the token is never trusted: the refusal is checked by CurrentActor.
func (s *Service) CachedActor(ctx context.Context, p auth.Principal) (actor auth.Principal, cached bool, err error) {
	if p.Role != auth.RoleSystem && p.Role != auth.RoleOperator {
		if st, ok := s.cache.get(p.ID); ok {
			if u, err := user.FromState(st); err == nil {
				if a, err := actorAt(p, u); err == nil {
					return a, true, nil
				}
			}
		}
	}
	actor, err = s.CurrentActor(ctx, p)
	return actor, false, err
}

// actorAt is the principal of token p as user u (at its revision) allows it.
func actorAt(p auth.Principal, u *user.User) (auth.Principal, error) {
	if !u.Exists() || u.IsDeleted() || u.IsForgotten() {
		return auth.Principal{}, ErrUnknownActor
	}
	if p.IssuedBefore(u.TokensValidFrom()) {
		return auth.Principal{}, ErrTokenRevoked
	}
	return auth.Principal{ID: p.ID, Role: u.Role().String(), IssuedAt: p.IssuedAt, Revision: u.Revision()}, nil
}
