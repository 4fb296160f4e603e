package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// MinSecretLen is the shortest HS256 secret accepted: 32 bytes, the hash's output size.
const MinSecretLen = 32

// Issuer is the iss claim of every token.
const Issuer = "recall-command-api"

// ErrInvalidToken: a token that is malformed, expired, badly signed or not ours. The
// wrapped detail is for logs only; clients get a plain 401.
var ErrInvalidToken = errors.New("auth: invalid token")

// Tokens carry sub-second instants (RFC 7519 NumericDate may be fractional): a token
// issued in the same second as, but after, a password change must still count, and one
// issued before it must not. Microseconds, of which Verify keeps milliseconds: the
// library reads the claim as a float64 and truncates, which can lose the last unit.
func init() { jwt.TimePrecision = time.Microsecond }

// Tokens issues and verifies tokens with one secret.
type Tokens struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

// NewTokens returns a token service; secret must be ≥ MinSecretLen bytes (Config checks).
func NewTokens(secret []byte, ttl time.Duration) *Tokens {
	return &Tokens{secret: secret, ttl: ttl, now: time.Now}
}

// TTL is the lifetime of issued tokens.
func (t *Tokens) TTL() time.Duration { return t.ttl }

type claims struct {
	Role string `json:"role"`
	jwt.RegisteredClaims
}

// Issue returns a signed token for p, issued at p.IssuedAt when that is set and not in
// the future (a login's: when its credentials were read), else now.
func (t *Tokens) Issue(p Principal) (string, error) {
	iat := t.now()
	if !p.IssuedAt.IsZero() && p.IssuedAt.Before(iat) {
		iat = p.IssuedAt
	}
	c := claims{Role: p.Role, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: Issuer, Subject: p.ID.String(),
		IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(iat.Add(t.ttl)),
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	if err != nil {
		return "", fmt.Errorf("auth: sign: %w", err)
	}
	return s, nil
}

// Verify checks token and returns its principal. Besides signature, issuer and
// expiry, it refuses a token without iat, issued in the future, or living longer than
// the configured TTL: a token this service did not issue, whoever holds the secret.
func (t *Tokens) Verify(token string) (Principal, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithIssuer(Issuer),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(t.now), jwt.WithLeeway(leeway))
	if err != nil {
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.IssuedAt == nil || c.ExpiresAt.Sub(c.IssuedAt.Time) > t.ttl {
		return Principal{}, fmt.Errorf("%w: no iat, or a lifetime beyond %s", ErrInvalidToken, t.ttl)
	}
	id, err := uuid.Parse(c.Subject)
	if err != nil || !tokenRoles[c.Role] {
		return Principal{}, fmt.Errorf("%w: bad subject or role", ErrInvalidToken)
	}
	// The claim is a float: round off its binary representation error.
	return Principal{ID: id, Role: c.Role, IssuedAt: c.IssuedAt.Round(time.Millisecond)}, nil
}

// leeway absorbs clock skew between instances for exp and iat.
const leeway = 5 * time.Second
