package user

import (
	"errors"
	"strings"
	"testing"
)

func TestNewUsername(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string // want "" means invalid
	}{
		{"ada", "ada"},
		{"  Ada.Lovelace_1-x ", "ada.lovelace_1-x"},
		{"ADA", "ada"},
		{"007", "007"},
		{"abc", "abc"},
		{strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"", ""},
		{"   ", ""},
		{"ab", ""},
		{" ab ", ""},
		{strings.Repeat("a", 65), ""},
		{"ada lovelace", ""},
		{"ada@home", ""},
		{"ada/..", ""},
		{"...", ""},
		{"-rf", ""},
		{"_ada", ""},
		{"аda", ""},        // Cyrillic а: a homoglyph
		{"\u212Ada", ""},   // Kelvin sign lower-cases to ASCII k
		{"ad\x00a", ""},    // NUL
		{"adä", ""},        // non-ASCII letter
		{"ada\n", "ada"},   // trimmed
		{"a\u200bda", ""},  // zero-width space
		{"ada;drop", ""},   // punctuation
		{"ada\u00a0x", ""}, // no-break space inside
		{"Ada.", "ada."},   // trailing punctuation is fine
		{"a-b", "a-b"},     //
		{"\tbob\t", "bob"}, //
		{"ab\u0301c", ""},  // combining mark
		{"user+tag", ""},   //
		{"a.b.c.d.e", "a.b.c.d.e"},
	}
	for _, tc := range tests {
		got, err := NewUsername(tc.in)
		if tc.want == "" {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields["username"] == "" {
				t.Errorf("NewUsername(%q) = %q, %v; want a username validation error", tc.in, got, err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("NewUsername(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNewEmail(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".com" // 254
	tests := []struct {
		in, want string
	}{
		{"ada@example.com", "ada@example.com"},
		{"  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com"},
		{"a+tag@b.co", "a+tag@b.co"},
		{"root@localhost", "root@localhost"}, // dotless domains are valid
		{"o'brien@example.ie", "o'brien@example.ie"},
		{"üser@exämple.com", "üser@exämple.com"},
		{"ÜSER@EXAMPLE.COM", "üser@example.com"},
		{long, long},
		{long + "m", ""}, // 255
		{strings.Repeat("a", 65) + "@example.com", ""},
		{"", ""},
		{"   ", ""},
		{"ada", ""},
		{"ada@", ""},
		{"@example.com", ""},
		{"Ada <ada@example.com>", ""},
		{"<ada@example.com>", ""},
		{"ada@example.com (Ada)", ""},
		{`"ada"@example.com`, ""},
		{`"a b"@example.com`, ""},
		{"ada@example.com, bob@example.com", ""},
		{"ada@@example.com", ""},
		{"a..b@example.com", ""},
		{"a.@example.com", ""},
		{"ada@example..com", ""},
		{"ada@example.com.", ""},
		{"ada@[10.0.0.1]", ""},
		{"ada @example.com", ""},
		{"ada@exa mple.com", ""},
		{"ada@example.com\nBcc: x@y.z", ""},
		{"ada\x00@example.com", ""},
		{"=?utf-8?q?x?= <ada@example.com>", ""},
		// Addresses that display as another: invisible, reordering or look-alike.
		{"ada\u202egro.elpmaxe@example.com", ""}, // right-to-left override
		{"ada@exa\u200bmple.com", ""},            // zero-width space
		{"a\u200dda@example.com", ""},            // zero-width joiner
		{"ada@example.com\u2066", ""},            // bidi isolate
		{"\ufeffada@example.com", ""},            // BOM
		{"ada@p\u0430ypal.com", ""},              // Cyrillic а among Latin letters
		{"p\u0430ypal@example.com", ""},          // the same in the local part
		{"ada@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", "ada@пример.рф"},
		{"ada@xn--exmple-cua.com", "ada@exämple.com"}, // one domain, one spelling
		{"ADA@EXA\u0308MPLE.COM", "ada@exämple.com"},  // decomposed ä: NFC
		{"ada@exa_mple.com", ""},                      // not a host name (STD3)
	}
	for _, tc := range tests {
		got, err := NewEmail(tc.in)
		if tc.want == "" {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields["email"] == "" {
				t.Errorf("NewEmail(%q) = %q, %v; want an email validation error", tc.in, got, err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("NewEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormalizeReason(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "", "  GDPR request #42 ": "GDPR request #42", "Ünïcödé, 漢字": "Ünïcödé, 漢字"} {
		if got, err := NormalizeReason(in); err != nil || got != want {
			t.Errorf("NormalizeReason(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"a\x00b", "line\nbreak", "cr\rx", "evil\u202etxt.exe", "\u2066x", "\xff", strings.Repeat("é", 501)} {
		var ve *ValidationError
		if _, err := NormalizeReason(in); !errors.As(err, &ve) || ve.Fields["reason"] == "" {
			t.Errorf("NormalizeReason(%q) = %v; want a reason validation error", in, err)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"Ada", "Ada"},
		{"  Ada  ", "Ada"},
		{"Mary Ann", "Mary Ann"},
		{"O'Brien-Smith", "O'Brien-Smith"},
		{"Ἀριστοτέλης", "Ἀριστοτέλης"},
		{"李", "李"},
		{"می\u200cخواهم", "می\u200cخواهم"}, // ZWNJ is legitimate in Persian
		{strings.Repeat("é", 100), strings.Repeat("é", 100)},
		{strings.Repeat("é", 101), ""},
		{"", ""},
		{" \t\n ", ""},
		{"Ada\nLovelace", ""},
		{"Ada\x00", ""},
		{"Ada\x7f", ""},
		{"Ada\u0085x", ""}, // C1 control (NEL)
		{"Ada\u2028x", ""}, // line separator
		{"Ada\u202Eecalevol", ""},
		{"Ada\u2066x", ""},
		{"Ada\xff", ""},
	}
	for _, tc := range tests {
		got, err := NormalizeName("first_name", tc.in)
		if tc.want == "" {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Fields["first_name"] == "" {
				t.Errorf("NormalizeName(%q) = %q, %v; want a first_name validation error", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestValidationError(t *testing.T) {
	t.Parallel()
	err := error(&ValidationError{Fields: map[string]string{"username": "is required", "email": "is required"}})
	if !errors.Is(err, ErrValidation) {
		t.Error("errors.Is(err, ErrValidation) = false")
	}
	if errors.Is(err, ErrConflict) {
		t.Error("a validation error is not a conflict")
	}
	if got, want := err.Error(), "invalid input: email: is required; username: is required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
