package user

import (
	"net/mail"
	"strings"
)

// EmailMaxLen is the longest address SMTP can carry (RFC 5321 path limit
// minus the angle brackets).
const EmailMaxLen = 254

// Email is a validated, normalised e-mail address: trimmed and lower-cased,
// so that "Ada@Example.com" and "ada@example.com" are one unique claim. The
// zero value is invalid; get one from NewEmail.
type Email struct{ v string }

// NewEmail trims, checks and lower-cases raw. The error is a
// *ValidationError for field "email".
func NewEmail(raw string) (Email, error) {
	v, msg := normalizeEmail(raw)
	if msg != "" {
		return Email{}, fieldError("email", msg)
	}
	return Email{v: v}, nil
}

// String returns the normalised address.
func (e Email) String() string { return e.v }

// normalizeEmail returns the normalised address or a problem message.
//
// net/mail does the RFC 5322 syntax check. Its parser also accepts forms
// that are not a bare address ("Ada <ada@example.com>", "<a@b>", "a@b (c)",
// quoted local parts it unquotes): requiring the parsed address to equal
// the input rejects all of them, so what is stored is exactly what the user
// typed, modulo case. Domain literals (a@[10.0.0.1]) are refused as well:
// accounts are reached through a domain.
func normalizeEmail(raw string) (string, string) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", "is required"
	}
	if len(s) > EmailMaxLen {
		return "", "must be at most 254 characters"
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", "must be a plain e-mail address like name@example.com"
	}
	at := strings.LastIndexByte(s, '@')
	if at > 64 {
		return "", "local part must be at most 64 characters"
	}
	if strings.HasPrefix(s[at+1:], "[") {
		return "", "must use a domain name, not an IP literal"
	}
	// Lower-casing some non-ASCII runes changes their byte length.
	v := strings.ToLower(s)
	if len(v) > EmailMaxLen {
		return "", "must be at most 254 characters"
	}
	return v, ""
}
