package schemas

import (
	"encoding/json"
	"testing"
)

// appendJSONString copies runs of plain bytes whole and escapes the rest itself; what it
// writes must read back, through encoding/json, as the string encoding/json would have
// written (invalid UTF-8 as U+FFFD), whatever the bytes.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "ada", `quote " and \ backslash`, "tab\tnew\nline\rctl\x01\x1f\x7f",
		"naïve café ✓ 𝄞", "bad \xff utf8 \xe2\x28\xa1", "rcl1.0193a3b0-0000-7000-8000-000000000001.AAAAAAAAAAAAAAAA.abc-_",
		"\u2028\u2029<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString([]byte("prefix"), s)
		if string(got[:6]) != "prefix" {
			t.Fatalf("dst overwritten: %q", got)
		}
		var back string
		if err := json.Unmarshal(got[6:], &back); err != nil {
			t.Fatalf("appendJSONString(%q) = %s, not a JSON string: %v", s, got[6:], err)
		}
		ref, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if back != want {
			t.Fatalf("appendJSONString(%q) reads back %q, encoding/json's %q", s, back, want)
		}
		if byteForm := appendJSONString(nil, []byte(s)); string(byteForm) != string(got[6:]) {
			t.Fatalf("string and []byte forms differ: %s, %s", got[6:], byteForm)
		}
	})
}
