package user

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// NameMaxLen is the longest first or last name, in runes (not bytes: a
// name in Greek or Hindi should get the same room as one in English).
const NameMaxLen = 100

// NormalizeName trims raw and checks it as a first or last name: non-empty,
// at most NameMaxLen runes, valid UTF-8, no control characters, line
// separators or bidirectional overrides (these make a name render as
// something else in a UI or a log). The error is a *ValidationError for
// field.
func NormalizeName(field, raw string) (string, error) {
	v, msg := normalizeName(raw)
	if msg != "" {
		return "", fieldError(field, msg)
	}
	return v, nil
}

func normalizeName(raw string) (string, string) {
	if !utf8.ValidString(raw) {
		return "", "must be valid UTF-8"
	}
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return "", "is required"
	case utf8.RuneCountInString(s) > NameMaxLen:
		return "", "must be at most 100 characters"
	case strings.IndexFunc(s, forbiddenInName) >= 0:
		return "", "must not contain control characters"
	}
	return s, ""
}

// ReasonMaxLen bounds a reason: it is metadata, not a document.
const ReasonMaxLen = 500

// NormalizeReason trims raw and checks it as a reason with the name rules: at
// most ReasonMaxLen runes, valid UTF-8, no control characters (NUL, newlines),
// line separators or bidirectional overrides. An empty reason is allowed. The
// error is a *ValidationError for field "reason".
func NormalizeReason(raw string) (string, error) {
	if !utf8.ValidString(raw) {
		return "", fieldError("reason", "must be valid UTF-8")
	}
	s := strings.TrimSpace(raw)
	switch {
	case utf8.RuneCountInString(s) > ReasonMaxLen:
		return "", fieldError("reason", "must be at most 500 characters")
	case strings.IndexFunc(s, forbiddenInName) >= 0:
		return "", fieldError("reason", "must not contain control characters, line breaks or bidirectional overrides")
	}
	return s, nil
}

// forbiddenInName reports runes that do not belong in a displayed name.
// Other format characters (zero-width joiners) are legitimate in several
// scripts and stay allowed.
func forbiddenInName(r rune) bool {
	switch {
	case unicode.IsControl(r), unicode.In(r, unicode.Zl, unicode.Zp):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true // bidirectional embeddings, overrides and isolates
	}
	return false
}
