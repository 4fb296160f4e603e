package upcast_test

import (
	"errors"
	"testing"

	"github.com/recall-events/recall/schemas"
	"github.com/recall-events/recall/schemas/upcast"
)

func TestData(t *testing.T) {
	tests := []struct {
		name, eventType string
		version         int
		in, want        string
		err             error
	}{
		{"v1 split", "UserCreated", 1, `{"username":"ada","email":"ada@example.com","full_name":"Ada King","role":"admin"}`,
			`{"username":"ada","email":"ada@example.com","first_name":"Ada","last_name":"King","role":"admin"}`, nil},
		{"v1 first space only", "UserCreated", 1, `{"username":"ada","email":"a@b.c","full_name":"  Ada  Lovelace King ","role":"user"}`,
			`{"username":"ada","email":"a@b.c","first_name":"Ada","last_name":"Lovelace King","role":"user"}`, nil},
		{"v1 no space", "UserCreated", 1, `{"username":"cher","email":"c@b.c","full_name":"Cher","role":"user"}`,
			`{"username":"cher","email":"c@b.c","first_name":"Cher","last_name":"","role":"user"}`, nil},
		{"current untouched", "UserUpdated", 2, `{"first_name":null}`, `{"first_name":null}`, nil},
		{"plaintext v1 update lifts as is", "UserUpdated", 1, `{"first_name":"Ada"}`, `{"first_name":"Ada"}`, nil},
		{"v2 created lifts as is", "UserCreated", 2, `{"username":"ada"}`, `{"username":"ada"}`, nil},
		{"v1 deleted drops its copies", "UserDeleted", 1, `{"username":"ada","email":"ada@example.com"}`, `{}`, nil},
		{"v1 restored drops its copies", "UserRestored", 1, `{"username":"ada","email":"ada@example.com"}`, `{}`, nil},
		{"malformed v1 deleted", "UserDeleted", 1, `{"nick":"ada"}`, "", upcast.ErrMalformed},
		{"unknown type", "UserRenamed", 1, `{}`, "", upcast.ErrUnknownType},
		{"future version", "UserCreated", 4, `{}`, "", upcast.ErrUnsupported},
		{"version zero", "UserCreated", 0, `{}`, "", upcast.ErrUnsupported},
		{"malformed v1", "UserCreated", 1, `{"full_name":7}`, "", upcast.ErrMalformed},
		{"unknown v1 field", "UserCreated", 1, `{"full_name":"A B","nick":"x"}`, "", upcast.ErrMalformed},
		{"trailing data", "UserCreated", 1, `{"full_name":"A B"} {}`, "", upcast.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, got, err := upcast.Data(tt.eventType, tt.version, []byte(tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got v%d %s, %v; want %s", v, got, err, tt.want)
			}
			if cur, _ := upcast.Current(tt.eventType); v != cur {
				t.Fatalf("version %d, want current %d", v, cur)
			}
		})
	}
}

// The upcaster's idea of "current" is the catalog's newest schema of each type, and every
// lifted v1 fixture validates against the current schema.
func TestCurrentMatchesCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range schemas.Catalog() {
		if seen[s.EventType] {
			continue
		}
		seen[s.EventType] = true
		cur, ok := upcast.Current(s.EventType)
		if !ok || cur != schemas.CurrentVersion(s.EventType) {
			t.Errorf("%s: upcast knows v%d (%v), catalog v%d", s.EventType, cur, ok, schemas.CurrentVersion(s.EventType))
		}
	}
	v, data, err := upcast.Data("UserCreated", 1, []byte(`{"username":"ada","email":"ada@example.com","full_name":"Ada King","role":"admin"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate("UserCreated", v, data); err != nil {
		t.Fatalf("lifted data does not validate against v%d: %v", v, err)
	}
}

func FuzzData(f *testing.F) {
	f.Add("UserCreated", 1, []byte(`{"username":"a","email":"b","full_name":"C D","role":"user"}`))
	f.Add("UserUpdated", 1, []byte(`{}`))
	f.Fuzz(func(t *testing.T, eventType string, version int, data []byte) {
		v, out, err := upcast.Data(eventType, version, data)
		if err == nil {
			if cur, _ := upcast.Current(eventType); v != cur || out == nil {
				t.Fatalf("v%d %q without error", v, out)
			}
		}
	})
}
