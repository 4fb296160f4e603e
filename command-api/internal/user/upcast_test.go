package user

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// TestUpcastUserCreatedV1Fixtures loads historical v1 data and gets v2
// UserCreated events.
func TestUpcastUserCreatedV1Fixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want UserCreated
	}{
		{"testdata/user_created_v1.json",
			UserCreated{Username: "ada", Email: "ada@example.com", FirstName: "Ada", LastName: "King Lovelace", Role: RoleAdmin}},
		{"testdata/user_created_v1_single_name.json",
			UserCreated{Username: "plato", Email: "plato@academy.gr", FirstName: "Plato", LastName: "", Role: RoleUser}},
	}
	for _, tc := range tests {
		data, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := Unmarshal(TypeUserCreated, 1, data)
		if err != nil || ev != tc.want {
			t.Errorf("%s: got %#v, %v; want %#v", tc.file, ev, err, tc.want)
		}
		// Written again, it is v2.
		if _, version, _, err := Marshal(ev); err != nil || version != 2 {
			t.Errorf("%s: re-marshal version %d, %v", tc.file, version, err)
		}
	}
}

func TestUpcastSplitsFullName(t *testing.T) {
	t.Parallel()
	tests := []struct{ full, first, last string }{
		{"Ada Lovelace", "Ada", "Lovelace"},
		{"Ada King Lovelace", "Ada", "King Lovelace"},
		{"Plato", "Plato", ""},
		{"  Ada   Lovelace  ", "Ada", "Lovelace"},
		{"", "", ""},
	}
	for _, tc := range tests {
		data := []byte(`{"username":"u","email":"e","full_name":` + quote(tc.full) + `,"role":"user"}`)
		version, out, err := Upcast(TypeUserCreated, 1, data)
		want := `{"username":"u","email":"e","first_name":` + quote(tc.first) + `,"last_name":` + quote(tc.last) + `,"role":"user"}`
		if err != nil || version != 2 || string(out) != want {
			t.Errorf("full_name %q: got v%d %s, %v; want %s", tc.full, version, out, err, want)
		}
	}
}

func quote(s string) string { return `"` + s + `"` }

// TestUpcasterChain checks the registry mechanics on a made-up type with
// three versions: steps run in order, one version at a time; current data
// passes untouched; a missing step is ErrUnsupportedVersion.
func TestUpcasterChain(t *testing.T) {
	t.Parallel()
	r := &upcasters{current: map[string]int{"Thing": 3}, steps: map[upcastKey]Upcaster{}}
	r.register("Thing", 1, func(b []byte) ([]byte, error) { return append(b, '2'), nil })
	r.register("Thing", 2, func(b []byte) ([]byte, error) { return append(b, '3'), nil })
	for from, want := range map[int]string{1: "x23", 2: "x3", 3: "x"} {
		v, out, err := r.upcast("Thing", from, []byte("x"))
		if err != nil || v != 3 || string(out) != want {
			t.Errorf("from v%d: v%d %s, %v; want v3 %s", from, v, out, err, want)
		}
	}
	delete(r.steps, upcastKey{"Thing", 2})
	if _, _, err := r.upcast("Thing", 1, []byte("x")); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("missing step: %v", err)
	}
	r.register("Thing", 2, func([]byte) ([]byte, error) { return nil, errors.New("boom") })
	if _, _, err := r.upcast("Thing", 2, []byte("x")); !errors.Is(err, ErrMalformedEvent) {
		t.Errorf("failing step: %v", err)
	}
}

// TestEveryOldVersionHasAPath: each type's versions below the current one
// reach it, so no stored event becomes unreadable by a release.
func TestEveryOldVersionHasAPath(t *testing.T) {
	t.Parallel()
	for typ, current := range registry.current {
		for v := 1; v < current; v++ {
			if _, ok := registry.steps[upcastKey{typ, v}]; !ok {
				t.Errorf("%s v%d has no upcaster", typ, v)
			}
		}
	}
	if !bytes.Equal(must(Upcast(TypeUserDeleted, 1, []byte(`{}`))), []byte(`{}`)) {
		t.Error("current-version data changed by Upcast")
	}
}

func must(_ int, b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
