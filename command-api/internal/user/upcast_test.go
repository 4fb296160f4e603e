package user

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/recall-events/recall/schemas/upcast"
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
		// Written again, it is v3.
		if _, version, _, err := Marshal(ev); err != nil || version != 3 {
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
		if err != nil || version != 3 || string(out) != want {
			t.Errorf("full_name %q: got v%d %s, %v; want %s", tc.full, version, out, err, want)
		}
	}
}

func quote(s string) string { return `"` + s + `"` }

// TestWritesAtTheContractsVersion: the aggregate writes each event at the version the
// shared upcasters lift old data to, so what it writes and what it reads agree.
func TestWritesAtTheContractsVersion(t *testing.T) {
	t.Parallel()
	for typ, v := range currentVersions {
		if cur, ok := upcast.Current(typ); !ok || cur != v {
			t.Errorf("%s: written at v%d, contract's current v%d (%v)", typ, v, cur, ok)
		}
	}
	if _, _, err := Upcast("UserRenamed", 1, []byte(`{}`)); !errors.Is(err, ErrUnknownEventType) {
		t.Errorf("unknown type: %v", err)
	}
	if _, _, err := Upcast(TypeUserCreated, 4, []byte(`{}`)); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("future version: %v", err)
	}
	if _, _, err := Upcast(TypeUserCreated, 1, []byte(`{"full_name":7}`)); !errors.Is(err, ErrMalformedEvent) {
		t.Errorf("malformed v1: %v", err)
	}
}

// TestEveryOldVersionHasAPath: each type's versions below the current one
// reach it, so no stored event becomes unreadable by a release.
func TestEveryOldVersionHasAPath(t *testing.T) {
	t.Parallel()
	for typ, current := range currentVersions {
		for v := 1; v < current; v++ {
			if _, _, err := Upcast(typ, v, nil); errors.Is(err, ErrUnsupportedVersion) {
				t.Errorf("%s v%d has no upcaster: %v", typ, v, err)
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
