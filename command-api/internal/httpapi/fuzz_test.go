package httpapi

import (
	"testing"
)

// fuzzDecoder checks one request decoder on arbitrary bytes: it never panics, and bad
// input is a clear 400 or 422 problem with a kind.
func fuzzDecoder[T any](f *testing.F) {
	for _, seed := range []string{`{}`, `{"username":"grace","password":"x"}`, `{"first_name":null}`, `[]`, `"x"`,
		`{"a":1}`, `{"email":42}`, `{`, ``, `{"reason":"` + "\xff" + `"}`, `{} {}`, `null`, `{"role":{"x":[1,2]}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, optional := range []bool{false, true} {
			var v T
			p := decodeBody(body, &v, optional)
			if p == nil {
				continue
			}
			if (p.Status != 400 && p.Status != 422) || p.Type == "" || p.Detail == "" {
				t.Fatalf("body %q: problem %+v", body, p)
			}
		}
	})
}

func FuzzDecodeLogin(f *testing.F)          { fuzzDecoder[loginRequest](f) }
func FuzzDecodeCreateUser(f *testing.F)     { fuzzDecoder[createUserRequest](f) }
func FuzzDecodeUpdateUser(f *testing.F)     { fuzzDecoder[updateUserRequest](f) }
func FuzzDecodeChangePassword(f *testing.F) { fuzzDecoder[changePasswordRequest](f) }
func FuzzDecodeChangeRole(f *testing.F)     { fuzzDecoder[changeRoleRequest](f) }
func FuzzDecodeReason(f *testing.F)         { fuzzDecoder[reasonRequest](f) }
