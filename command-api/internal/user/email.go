package user

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// EmailMaxLen is the longest address SMTP can carry (RFC 5321 path limit
// minus the angle brackets).
const EmailMaxLen = 254

// Email is a validated, normalised e-mail address: trimmed and lower-cased,
// so that "Ada@Example.com" and "ada@example.com" are one unique claim; the
// local part in Unicode NFC, the domain in the canonical Unicode form of its
// IDNA (UTS #46) mapping, so that two spellings of one domain are one claim
// too. The zero value is invalid; get one from NewEmail.
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
// typed, modulo case and Unicode normalisation. Domain literals
// (a@[10.0.0.1]) are refused as well: accounts are reached through a domain.
//
// Addresses that would display as something else are refused: invisible and
// bidirectional formatting characters (U+200B, U+202E…), and a part mixing
// look-alike scripts ("pаypal.com" with a Cyrillic "а").
func normalizeEmail(raw string) (string, string) {
	s := strings.TrimSpace(raw)
	switch {
	case s == "":
		return "", "is required"
	case len(s) > EmailMaxLen:
		return "", "must be at most 254 characters"
	case !utf8.ValidString(s) || strings.IndexFunc(s, hiddenInEmail) >= 0:
		return "", "must not contain control, invisible or bidirectional formatting characters"
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
	local := norm.NFC.String(strings.ToLower(s[:at]))
	domain, msg := normalizeDomain(s[at+1:])
	switch {
	case msg != "":
		return "", msg
	case mixesScripts(local):
		return "", "must not mix look-alike scripts (such as Latin and Cyrillic) in the local part"
	}
	// Lower-casing and normalising some non-ASCII runes changes their byte length.
	v := local + "@" + domain
	if len(v) > EmailMaxLen {
		return "", "must be at most 254 characters"
	}
	return v, ""
}

// normalizeDomain maps d through IDNA's lookup profile (case folding, NFC,
// the bidi and joiner rules) and back to Unicode, so "EXÄMPLE.com",
// "exämple.com" and "xn--exmple-cua.com" are one domain.
func normalizeDomain(d string) (string, string) {
	ascii, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", "must have a valid (IDNA) domain name"
	}
	uni, err := idna.Lookup.ToUnicode(ascii)
	if err != nil {
		return "", "must have a valid (IDNA) domain name"
	}
	for label := range strings.SplitSeq(uni, ".") {
		if mixesScripts(label) {
			return "", "must not mix look-alike scripts (such as Latin and Cyrillic) in a domain label"
		}
	}
	return uni, ""
}

// hiddenInEmail reports runes that do not show, or reorder what follows:
// controls, line separators and every format character (zero-width spaces
// and joiners, bidirectional marks, embeddings, overrides and isolates, the
// BOM). None has a place in an address.
func hiddenInEmail(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// confusableScripts are the scripts whose letters pass for one another.
var confusableScripts = []*unicode.RangeTable{unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Armenian, unicode.Cherokee}

// mixesScripts reports letters of more than one confusable script in s.
func mixesScripts(s string) bool {
	seen := -1
	for _, r := range s {
		for i, script := range confusableScripts {
			if unicode.Is(script, r) {
				if seen >= 0 && seen != i {
					return true
				}
				seen = i
			}
		}
	}
	return false
}
