package commandapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/recall-events/recall/command-api/internal/app"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/httpapi"
	"github.com/recall-events/recall/command-api/internal/throttle"
)

// LoginLimits throttle password checks: the login route and PUT /v1/users/{id}/password
// with current_password. The per-client and per-username rates hold per instance; the
// lockout is kept in the database and holds across instances.
type LoginLimits struct {
	// ClientPerMinute and ClientBurst: password checks per client address (the peer
	// address, or X-Forwarded-For from a TrustedProxies peer). 0 disables.
	ClientPerMinute float64
	ClientBurst     int
	// UsernamePerMinute and UsernameBurst: password checks per username (known or not).
	// 0 disables.
	UsernamePerMinute float64
	UsernameBurst     int
	// LockoutThreshold consecutive failures lock a username for LockoutBase, doubling with
	// every further failure up to LockoutMax; an admin clears it with
	// DELETE /v1/users/{id}/lockout. A negative threshold disables lockouts.
	LockoutThreshold int
	LockoutBase      time.Duration
	LockoutMax       time.Duration
	// HashQueue is how many password hashes may wait for one of the GOMAXPROCS hashing
	// slots; beyond it the API answers 429 busy at once. 0: 8 per slot.
	HashQueue int
}

// DefaultLoginLimits: 30 checks a minute per address (bursts of 20), 6 per username
// (bursts of 6), a lockout from the 5th consecutive failure for 30 s doubling up to
// 15 min.
var DefaultLoginLimits = LoginLimits{
	ClientPerMinute: 30, ClientBurst: 20, UsernamePerMinute: 6, UsernameBurst: 6,
	LockoutThreshold: app.DefaultLockout.Threshold, LockoutBase: app.DefaultLockout.Base, LockoutMax: app.DefaultLockout.Max,
}

func (l LoginLimits) validate() error {
	var errs []error
	if l.ClientPerMinute < 0 || l.UsernamePerMinute < 0 || l.ClientBurst < 0 || l.UsernameBurst < 0 {
		errs = append(errs, errors.New("login limits: rates and bursts must not be negative"))
	}
	if l.LockoutThreshold >= 0 && (l.LockoutThreshold < 1 || l.LockoutBase < time.Second || l.LockoutMax < l.LockoutBase) {
		errs = append(errs, fmt.Errorf("login lockout: want threshold ≥ 1, base ≥ 1s, max ≥ base (got %d, %s, %s); a negative threshold disables it",
			l.LockoutThreshold, l.LockoutBase, l.LockoutMax))
	}
	if l.HashQueue < 0 {
		errs = append(errs, errors.New("login limits: the hash queue must not be negative"))
	}
	return errors.Join(errs...)
}

func (l LoginLimits) httpLimits() httpapi.Limits {
	return httpapi.Limits{
		PerClient:   throttle.Rate{PerMinute: l.ClientPerMinute, Burst: l.ClientBurst},
		PerUsername: throttle.Rate{PerMinute: l.UsernamePerMinute, Burst: l.UsernameBurst},
	}
}

func (l LoginLimits) lockout() credentials.Lockout {
	if l.LockoutThreshold < 0 {
		return credentials.Lockout{Threshold: -1}
	}
	return credentials.Lockout{Threshold: l.LockoutThreshold, Base: l.LockoutBase, Max: l.LockoutMax}
}

func (l LoginLimits) hasher(p credentials.Params, slots int) *credentials.Hasher {
	q := l.HashQueue
	if q == 0 {
		q = slots * credentials.QueuePerSlot
	}
	return credentials.NewBoundedHasher(p, slots, q)
}

// RecoverAdmin is the operator's way back when no admin is left: it makes the user
// called username an active admin again (restoring it if deleted), with actor
// "operator" and reason recorded on the events, and logs what it did at warn level. It
// needs database access (DATABASE_URL), nothing from the API.
func RecoverAdmin(ctx context.Context, cfg Config, username, reason string) error {
	p, err := build(ctx, cfg)
	if err != nil {
		return err
	}
	defer p.close()
	rec, err := p.svc.RecoverAdmin(ctx, p.handlers, username, reason)
	if err != nil {
		p.log.Error("admin recovery failed", slog.String("username", username), slog.String("reason", reason),
			slog.String("error", err.Error()))
		return err
	}
	p.log.Warn("admin recovered by the operator", slog.String("username", username), slog.String("user_id", rec.UserID.String()),
		slog.String("reason", reason), slog.Bool("restored", rec.Restored), slog.Bool("promoted", rec.Promoted),
		slog.Int64("revision", rec.Revision))
	return nil
}
