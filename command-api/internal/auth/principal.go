package auth

import (
	"context"

	"github.com/google/uuid"
)

// The roles a token can carry; RoleSystem is never in a token, it marks work the process
// does on its own (bootstrapping the admin).
const (
	RoleAdmin  = "admin"
	RoleUser   = "user"
	RoleSystem = "system"
)

// SystemActorID is the actor id of RoleSystem in event metadata.
const SystemActorID = "system"

// Principal is the authenticated caller.
type Principal struct {
	ID   uuid.UUID
	Role string
}

// ActorID is the id event metadata records for p.
func (p Principal) ActorID() string {
	if p.Role == RoleSystem {
		return SystemActorID
	}
	return p.ID.String()
}

// IsAdmin reports whether p may do everything.
func (p Principal) IsAdmin() bool { return p.Role == RoleAdmin || p.Role == RoleSystem }

// MayActOn reports whether p may change user target: admins any, users themselves.
func (p Principal) MayActOn(target uuid.UUID) bool { return p.IsAdmin() || p.ID == target }

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal of ctx, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}
