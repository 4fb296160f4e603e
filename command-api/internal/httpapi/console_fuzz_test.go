package httpapi

import (
	"testing"
)

// FuzzDryRunRequest: the dry-run body decoder never panics; what it accepts names a
// known command and decodes it, what it refuses is a 400 or 422 problem.
func FuzzDryRunRequest(f *testing.F) {
	for _, seed := range []string{`{"command":"DeleteUser"}`, `{"command":"UpdateUser","input":{"first_name":"A"}}`,
		`{"command":"ChangeRole","input":{"role":"admin","reason":"x"}}`, `{"command":"ChangePassword","input":{"new_password":"x"}}`,
		`{"command":"RestoreUser","input":null}`, `{"command":"Nope"}`, `{"command":1}`, `{`, ``, `{"input":[]}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		name, cmd, _, p := dryRunCommand(body, nil)
		switch {
		case p != nil && (p.Status != 400 && p.Status != 422 || p.Type == ""):
			t.Fatalf("%q: problem %+v", body, p)
		case p == nil && (cmd == nil || dryRunCommands[name] == nil || cmd.CommandName() != name):
			t.Fatalf("%q: accepted %q as %T", body, name, cmd)
		}
	})
}

// FuzzActorPageToken: a page token round-trips, and any string either parses to a
// positive position or is refused.
func FuzzActorPageToken(f *testing.F) {
	f.Add("", int64(1))
	f.Add("YWN0b3ItdjE6MTI", int64(1<<62))
	f.Fuzz(func(t *testing.T, tok string, pos int64) {
		if n, ok := parseActorPageToken(tok); ok && n <= 0 {
			t.Fatalf("%q parsed to %d", tok, n)
		}
		if pos > 0 {
			if n, ok := parseActorPageToken(actorPageToken(pos)); !ok || n != pos {
				t.Fatalf("round trip of %d: %d %v", pos, n, ok)
			}
		}
	})
}
