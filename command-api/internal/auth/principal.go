package auth

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// The roles a token can carry (the user aggregate's roles). RoleSystem and RoleOperator
// are never in a token: they mark work the process does on its own (bootstrapping the
// admin) and an operator's recovery command run with database access.
const (
	RoleAdmin    = "admin"
	RoleAuditor  = "auditor"
	RoleService  = "service"
	RoleUser     = "user"
	RoleSystem   = "system"
	RoleOperator = "operator"
)

// SystemActorID and OperatorActorID are the actor ids of RoleSystem and RoleOperator in
// event metadata.
const (
	SystemActorID   = "system"
	OperatorActorID = "operator"
)

// tokenRoles are the roles a token may name.
var tokenRoles = map[string]bool{RoleAdmin: true, RoleAuditor: true, RoleService: true, RoleUser: true}

// Principal is the authenticated caller.
type Principal struct {
	ID   uuid.UUID
	Role string
	// IssuedAt is when the caller's token was issued (zero for system and operator):
	// a token older than the user's last password change, role change or deletion is
	// refused. A login's principal carries when its password hash was read, which
	// Tokens.Issue takes as the token's iat.
	IssuedAt time.Time
	// Revision is the revision of the user's stream that Role and the token's validity
	// were checked against (0 for system and operator, who have no stream). Appends on
	// the principal's behalf are guarded on it: a principal checked against a state that
	// has since moved never writes.
	Revision int64
}

// ActorID is the id event metadata records for p.
func (p Principal) ActorID() string {
	switch p.Role {
	case RoleSystem:
		return SystemActorID
	case RoleOperator:
		return OperatorActorID
	}
	return p.ID.String()
}

// IsAdmin reports whether p may do everything.
func (p Principal) IsAdmin() bool {
	return p.Role == RoleAdmin || p.Role == RoleSystem || p.Role == RoleOperator
}

// IssuedBefore reports whether p's token was issued before instant at (compared to the
// millisecond, the tokens' precision). Principals without a token never are.
func (p Principal) IssuedBefore(at time.Time) bool {
	return !p.IssuedAt.IsZero() && p.IssuedAt.Before(at.Truncate(time.Millisecond))
}

// MayReadAll reports whether p may read every user, history and state: admins and
// auditors.
func (p Principal) MayReadAll() bool { return p.IsAdmin() || p.Role == RoleAuditor }

// MayRead reports whether p may read user target's record, history and state: those
// who read all, and everyone itself.
func (p Principal) MayRead(target uuid.UUID) bool { return p.MayReadAll() || p.ID == target }

// MayActOn reports whether p may change user target's profile: admins any, users
// themselves. Auditors and services write nothing but their own password.
func (p Principal) MayActOn(target uuid.UUID) bool {
	return p.IsAdmin() || (p.Role == RoleUser && p.ID == target)
}

// MayChangePassword reports whether p may change user target's password: admins any,
// everyone its own.
func (p Principal) MayChangePassword(target uuid.UUID) bool { return p.IsAdmin() || p.ID == target }

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
