package commandapi

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"strings"

	"github.com/recall-events/recall/command-api/internal/auth"
)

// shippedSecrets are JWT secrets that were ever written into this repository (compose's old
// fallback, the old embedded constant, test fixtures): anyone can read them, so no mode
// accepts them. A test keeps the list in step with the repository.
var shippedSecrets = []string{
	"recall-embedded-dev-secret-not-for-production!",
	"compose-only-jwt-secret-change-me-0123456789",
	"test-secret-test-secret-test-secret-0123",
	"another-secret-another-secret-another-secret-",
}

// placeholderWords mark a secret a person typed rather than generated.
var placeholderWords = []string{"secret", "password", "changeme", "change-me", "example", "default", "not-for-production"}

// minSecretBits is the least entropy, estimated from the secret's own character
// frequencies, that a JWT secret must carry: 32 random hex digits (openssl rand -hex 16)
// estimate ≈110 bits, a word repeated to length far less.
const minSecretBits = 96

// checkJWTSecret says why s must not sign tokens, or nil.
func checkJWTSecret(s string) error {
	if len(s) < auth.MinSecretLen {
		return fmt.Errorf("RECALL_JWT_SECRET must be at least %d bytes", auth.MinSecretLen)
	}
	for _, shipped := range shippedSecrets {
		if s == shipped {
			return fmt.Errorf("RECALL_JWT_SECRET is a secret published in Recall's repository; generate your own (openssl rand -base64 48)")
		}
	}
	lower := strings.ToLower(s)
	for _, w := range placeholderWords {
		if strings.Contains(lower, w) {
			return fmt.Errorf("RECALL_JWT_SECRET contains %q: a placeholder, not a generated secret (openssl rand -base64 48)", w)
		}
	}
	if bits := estimateBits(s); bits < minSecretBits {
		return fmt.Errorf("RECALL_JWT_SECRET carries ≈%.0f bits of entropy, below %d; generate one (openssl rand -base64 48)", bits, minSecretBits)
	}
	return nil
}

// estimateBits is the empirical Shannon entropy of s's bytes times its length, counting a
// repeated block once ("0123456789" four times is worth one): an upper bound for
// patterned secrets, a fair estimate for random ones.
func estimateBits(s string) float64 {
	s = s[:period(s)]
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	var perByte float64
	for _, n := range counts {
		if n > 0 {
			p := float64(n) / float64(len(s))
			perByte -= p * math.Log2(p)
		}
	}
	return perByte * float64(len(s))
}

// NewJWTSecret returns a fresh random secret (48 bytes, base64): what the embedded run
// keeps per data directory.
func NewJWTSecret() (string, error) {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// isLoopback reports whether the host of a listen address is a loopback address or
// localhost; an empty host (every interface) is not.
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// period is the length of the shortest block that s repeats (len(s) when none).
func period(s string) int {
	for p := 1; p < len(s); p++ {
		if s[p:] == s[:len(s)-p] {
			return p
		}
	}
	return len(s)
}
