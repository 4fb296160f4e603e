package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

var testSecret = []byte("test-secret-test-secret-test-secret-0123")

// forge signs claims with the right secret, as someone holding it could.
func forge(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRefusesTokensThisServiceWouldNotIssue(t *testing.T) {
	t.Parallel()
	tokens := NewTokens(testSecret, 15*time.Minute)
	now := time.Now()
	sub := uuid.NewString()
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": Issuer, "sub": sub, "role": RoleUser, "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
	}
	if _, err := tokens.Verify(forge(t, base())); err != nil {
		t.Fatalf("a valid token: %v", err)
	}
	for name, mutate := range map[string]func(jwt.MapClaims){
		"no iat": func(c jwt.MapClaims) { delete(c, "iat") },
		"iat in the future": func(c jwt.MapClaims) {
			c["iat"] = now.Add(time.Hour).Unix()
			c["exp"] = now.Add(time.Hour + time.Minute).Unix()
		},
		"lifetime > TTL": func(c jwt.MapClaims) { c["exp"] = now.Add(24 * time.Hour).Unix() },
		"role system":    func(c jwt.MapClaims) { c["role"] = RoleSystem },
		"role operator":  func(c jwt.MapClaims) { c["role"] = RoleOperator },
	} {
		c := base()
		mutate(c)
		if _, err := tokens.Verify(forge(t, c)); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: %v, want ErrInvalidToken", name, err)
		}
	}
}

func TestIssueCarriesIssuedAtToTheMillisecond(t *testing.T) {
	t.Parallel()
	tokens := NewTokens(testSecret, 15*time.Minute)
	at := time.Date(2026, 11, 30, 10, 0, 0, 123_456_789, time.UTC)
	tokens.now = func() time.Time { return at }
	tok, err := tokens.Issue(Principal{ID: uuid.New(), Role: RoleAuditor})
	if err != nil {
		t.Fatal(err)
	}
	p, err := tokens.Verify(tok)
	if err != nil || p.Role != RoleAuditor || !p.IssuedAt.Equal(at.Truncate(time.Millisecond)) {
		t.Fatalf("%+v, %v", p, err)
	}
}
