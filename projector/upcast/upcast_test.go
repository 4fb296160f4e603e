package upcast_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/recall-events/recall/projector/upcast"
)

func TestUserCreatedV1(t *testing.T) {
	tests := []struct {
		full, first, last string
	}{
		{"Ada King", "Ada", "King"},
		{"Ada Augusta King", "Ada", "Augusta King"},
		{"Plato", "Plato", ""},
		{"  Ada   King ", "Ada", "King"},
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.full, func(t *testing.T) {
			in, _ := json.Marshal(map[string]string{"username": "ada", "email": "ada@example.com", "full_name": tt.full, "role": "user"})
			v, out, err := upcast.Data("UserCreated", 1, in)
			if err != nil || v != 2 {
				t.Fatalf("Data = v%d, %v", v, err)
			}
			var got map[string]string
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"username": "ada", "email": "ada@example.com", "first_name": tt.first, "last_name": tt.last, "role": "user"}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s = %q, want %q", k, got[k], w)
				}
			}
			if _, ok := got["full_name"]; ok {
				t.Error("full_name survived the upcast")
			}
		})
	}
}

func TestCurrentUntouched(t *testing.T) {
	in := []byte(`{"role":"admin","previous_role":"user"}`)
	v, out, err := upcast.Data("RoleChanged", 1, in)
	if err != nil || v != 1 || string(out) != string(in) {
		t.Fatalf("Data = v%d %s %v", v, out, err)
	}
}

func TestUnsupported(t *testing.T) {
	for _, c := range []struct {
		typ string
		v   int
	}{{"Nope", 1}, {"UserCreated", 3}, {"UserCreated", 0}} {
		if _, _, err := upcast.Data(c.typ, c.v, []byte(`{}`)); !errors.Is(err, upcast.ErrUnsupported) {
			t.Errorf("%s v%d: err = %v, want ErrUnsupported", c.typ, c.v, err)
		}
	}
	if _, _, err := upcast.Data("UserCreated", 1, []byte(`[`)); !errors.Is(err, upcast.ErrMalformed) {
		t.Errorf("malformed v1: err = %v", err)
	}
}
