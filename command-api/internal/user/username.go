package user

import "strings"

// Username limits. The charset is ASCII letters, digits and . _ - so that a
// username is safe in URLs, logs and file names and cannot hide a homoglyph
// (a Cyrillic "а" looking like a Latin "a" would otherwise let two users
// appear identical).
const (
	UsernameMinLen = 3
	UsernameMaxLen = 64
)

// Username is a validated, normalised username: trimmed and lower-cased, so
// "Ada" and "ada" are the same unique claim. The zero value is invalid; get
// one from NewUsername.
type Username struct{ v string }

// NewUsername trims and lower-cases raw and checks it. The error is a
// *ValidationError for field "username".
func NewUsername(raw string) (Username, error) {
	v, msg := normalizeUsername(raw)
	if msg != "" {
		return Username{}, fieldError("username", msg)
	}
	return Username{v: v}, nil
}

// String returns the normalised username.
func (u Username) String() string { return u.v }

// normalizeUsername returns the normalised username or a problem message.
// The charset is checked before lower-casing: strings.ToLower maps some
// non-ASCII runes (the Kelvin sign) onto ASCII letters.
func normalizeUsername(raw string) (string, string) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return "", "is required"
	case len(s) < UsernameMinLen:
		return "", "must be at least 3 characters"
	case len(s) > UsernameMaxLen:
		return "", "must be at most 64 characters"
	case !isAlnum(s[0]):
		// Leading punctuation makes names like "..." or "-rf".
		return "", "must start with a letter or digit"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return "", "may contain only letters, digits, '.', '_' and '-'"
		}
	}
	return strings.ToLower(s), ""
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
