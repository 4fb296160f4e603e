package httpapi

import (
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/app"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/metrics"
	"github.com/recall-events/recall/command-api/internal/throttle"
	"github.com/recall-events/recall/command-api/internal/user"
)

// Limits bound password checks (login, and PUT …/password with current_password) per
// client address and per username, in this process. Zero rates disable them.
type Limits struct {
	PerClient   throttle.Rate
	PerUsername throttle.Rate
	// MaxKeys bounds the addresses and usernames tracked (default 100 000 each).
	MaxKeys int
}

// limiters are the buckets of Limits.
type limiters struct {
	client, username *throttle.Keyed
}

func newLimiters(l Limits) limiters {
	return limiters{client: throttle.New(l.PerClient, l.MaxKeys), username: throttle.New(l.PerUsername, l.MaxKeys)}
}

// securityHeaders: no response is sniffed into another type; the API's answers (tokens,
// personal data, problems) are never stored by a cache; browsers get CORS only for the
// origins configured (none by default, so other sites' scripts cannot read anything).
func (s *server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(c.Request.URL.Path, "/v1/") {
		h.Set("Cache-Control", "no-store")
	}
	origin := c.GetHeader("Origin")
	if origin == "" || !slices.Contains(s.corsOrigins, origin) {
		c.Next()
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Expose-Headers", "ETag, Location, Retry-After, X-Request-ID, "+HeaderProjectionRevision)
	if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-ID")
		h.Set("Access-Control-Max-Age", "600")
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	c.Next()
}

// throttled applies the per-client and per-username limits of a password check; false
// means it answered 429.
func (s *server) throttled(c *gin.Context, route, username string) bool {
	if ok, wait := s.limits.client.Allow(c.ClientIP()); !ok {
		s.countCheck(route, metrics.CheckThrottledClient)
		tooMany(c, KindRateLimited, "too many password checks from this address", wait)
		return true
	}
	if ok, wait := s.limits.username.Allow(usernameKey(username)); !ok {
		s.countCheck(route, metrics.CheckThrottledUsername)
		tooMany(c, KindRateLimited, "too many password checks for this user", wait)
		return true
	}
	return false
}

// usernameKey is the bucket key of a username: normalised as usernames are, and cut to
// the longest username there can be, so a client cannot make the limiter hold big keys.
func usernameKey(username string) string {
	k := strings.ToLower(strings.TrimSpace(username))
	if len(k) > user.UsernameMaxLen {
		k = k[:user.UsernameMaxLen]
	}
	return k
}

// checkOutcome names err for the password checks metric; "" for an error that was
// not about the password check (another field's validation).
func checkOutcome(err error) string {
	var ve *user.ValidationError
	switch {
	case err == nil:
		return metrics.CheckOK
	case errors.Is(err, app.ErrBadCredentials):
		return metrics.CheckFailed
	case errors.As(err, &ve):
		if ve.Fields["current_password"] != "" {
			return metrics.CheckFailed
		}
		return ""
	case errors.Is(err, app.ErrLockedOut):
		return metrics.CheckLockedOut
	case errors.Is(err, credentials.ErrBusy):
		return metrics.CheckBusy
	}
	return metrics.CheckError
}

func (s *server) countCheck(route, outcome string) {
	if s.metrics != nil && outcome != "" {
		s.metrics.PasswordChecks.WithLabelValues(route, outcome).Inc()
	}
}

// tooMany answers 429 with Retry-After in whole seconds (at least 1).
func tooMany(c *gin.Context, kind, detail string, wait time.Duration) {
	c.Header("Retry-After", strconv.Itoa(max(int(math.Ceil(wait.Seconds())), 1)))
	writeProblem(c, problem(http.StatusTooManyRequests, kind, detail))
}

// mayRead answers 403 unless the caller may read user id: admins and auditors every
// user, everyone else only itself. It runs before any lookup, so the answer is the same
// whether id exists or not: it reveals nothing about other users.
func mayRead(c *gin.Context, id uuid.UUID) bool {
	if !principal(c).MayRead(id) {
		writeProblem(c, problem(403, KindForbidden, "your role reads only your own user"))
		return false
	}
	return true
}

// clearLockout forgets a user's failed password checks and lockout (admin).
func (s *server) clearLockout(c *gin.Context) {
	id, ok := userID(c)
	if !ok {
		return
	}
	actor := principal(c)
	cleared, err := s.svc.ClearLockout(c.Request.Context(), actor, id)
	if err != nil {
		fail(c, err)
		return
	}
	s.log.Info("lockout cleared", "user_id", id.String(), "actor_id", actor.ActorID(), "cleared", cleared,
		"request_id", requestID(c))
	c.Status(http.StatusNoContent)
}
