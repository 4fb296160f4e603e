package user

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzUnmarshal: stored data is outside input to this code (older
// releases, hand-made fixes). Whatever it is, Unmarshal must not panic, and
// what it accepts must survive Marshal → Unmarshal unchanged.
func FuzzUnmarshal(f *testing.F) {
	for _, ev := range []Event{
		created(), UserUpdated{Email: ptr("x@y.z")}, PasswordChanged{ResetByAdmin: true},
		RoleChanged{Role: RoleAdmin, PreviousRole: RoleUser},
		UserDeleted{}, UserRestored{},
	} {
		typ, v, data, err := Marshal(ev)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(typ, v, data)
	}
	v1, err := os.ReadFile("testdata/user_created_v1.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(TypeUserCreated, 1, v1)
	f.Add("UserCreated", 1, []byte(`{"full_name":null}`))
	f.Add("", -1, []byte(nil))
	f.Fuzz(func(t *testing.T, typ string, version int, data []byte) {
		ev, err := Unmarshal(typ, version, data)
		if err != nil {
			return
		}
		typ2, v2, data2, err := Marshal(ev)
		if err != nil {
			t.Fatalf("accepted %#v but cannot write it: %v", ev, err)
		}
		back, err := Unmarshal(typ2, v2, data2)
		if err != nil || !reflect.DeepEqual(back, ev) {
			t.Fatalf("round trip: %#v → %s → %#v, %v", ev, data2, back, err)
		}
	})
}

// FuzzNewEmail: an accepted address is normalised (trimmed, lower-case,
// within limits) and normalising it again changes nothing.
func FuzzNewEmail(f *testing.F) {
	for _, s := range []string{"ada@example.com", "Ada <a@b>", " A@B.C ", `"a b"@c`, "a@[1.2.3.4]", "üser@exämple.com", "İ@x.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		e, err := NewEmail(raw)
		if err != nil {
			return
		}
		s := e.String()
		if len(s) > EmailMaxLen || s != strings.ToLower(s) || s != strings.TrimSpace(s) || !strings.Contains(s, "@") {
			t.Fatalf("NewEmail(%q) accepted %q", raw, s)
		}
		if again, err := NewEmail(s); err != nil || again != e {
			t.Fatalf("not idempotent: %q → %q → %q, %v", raw, s, again, err)
		}
	})
}

// FuzzNewUsername: accepted usernames are within the charset and limits,
// and normalising again changes nothing.
func FuzzNewUsername(f *testing.F) {
	for _, s := range []string{"ada", " Ada.L ", "ab", "\u212Ada", "-rf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := NewUsername(raw)
		if err != nil {
			return
		}
		s := u.String()
		if len(s) < UsernameMinLen || len(s) > UsernameMaxLen || strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") != "" {
			t.Fatalf("NewUsername(%q) accepted %q", raw, s)
		}
		if again, err := NewUsername(s); err != nil || again != u {
			t.Fatalf("not idempotent: %q → %q → %q, %v", raw, s, again, err)
		}
	})
}

// FuzzNormalizeName: accepted names are valid UTF-8, trimmed, within the
// rune limit and free of control characters.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Ada", " Ada ", "A\x00", "\u202E", "می\u200cخواهم"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n, err := NormalizeName("first_name", raw)
		if err != nil {
			return
		}
		if n == "" || !utf8.ValidString(n) || utf8.RuneCountInString(n) > NameMaxLen ||
			n != strings.TrimSpace(n) || strings.IndexFunc(n, forbiddenInName) >= 0 {
			t.Fatalf("NormalizeName(%q) accepted %q", raw, n)
		}
	})
}
