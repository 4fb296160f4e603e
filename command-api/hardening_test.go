package commandapi_test

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/command-api/internal/credentials"
)

// TestNULIsBadInputNever500: a NUL byte in a login username, a reason or a page token is a
// client's mistake (4xx), never a 500 from PostgreSQL (SQLSTATE 22021) that pages someone.
func TestNULIsBadInputNever500(t *testing.T) {
	a := start(t, "")
	p := startProjector(t, a)
	id := a.createUser("grace")
	p.projectAll()
	a.do("POST", "/v1/auth/login", "", map[string]string{"username": "ad\x00min", "password": adminPassword}, nil).
		problem(t, 401, "invalid-credentials")
	a.do("POST", "/v1/auth/login", "", map[string]string{"username": "admin\x00", "password": adminPassword}, nil).
		problem(t, 401, "invalid-credentials")
	for _, reason := range []string{"a\x00b", "line\nbreak", "evil\u202etxt.exe"} {
		pr := a.do("PATCH", "/v1/users/"+id, a.admin, map[string]any{"first_name": "G", "reason": reason}, nil).problem(t, 422, "validation")
		if pr.Errors["reason"] == "" {
			t.Fatalf("errors %v", pr.Errors)
		}
		a.do("DELETE", "/v1/users/"+id, a.admin, map[string]any{"reason": reason}, nil).problem(t, 422, "validation")
	}
	// A page token is base64 of JSON {u, i, f}: one whose username holds a NUL.
	h := fnv.New64a()
	h.Write([]byte{0, 0, 0, 0}) // the fingerprint of no filters
	var f uint64 = binary.BigEndian.Uint64(h.Sum(nil))
	raw, _ := json.Marshal(map[string]any{"u": "a\x00", "i": id, "f": f})
	token := base64.RawURLEncoding.EncodeToString(raw)
	a.do("GET", "/v1/users?page_token="+url.QueryEscape(token), a.admin, nil, nil).problem(t, 422, "validation")
	a.do("GET", "/v1/users?page_token=%00", a.admin, nil, nil).problem(t, 422, "validation")
	if strings.Contains(a.logs.String(), `"status":500`) {
		t.Fatal("a NUL reached a 500")
	}
}

// TestTokensEndWithPasswordChanges: a password change (by the user or an admin's reset)
// ends every token issued before it; a token this service would not issue (iat in the
// future, a lifetime beyond the TTL, no iat) is refused even with the right signature.
func TestTokensEndWithPasswordChanges(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	old := a.login("grace", userPassword)
	a.do("PUT", "/v1/users/"+id+"/password", old, map[string]any{"current_password": userPassword, "new_password": "new-secret-pw-3"}, nil).want(t, 200)
	a.do("GET", "/v1/users/"+id+"/history", old, nil, nil).problem(t, 401, "unauthenticated")
	fresh := a.login("grace", "new-secret-pw-3")
	a.do("GET", "/v1/users/"+id+"/history", fresh, nil, nil).want(t, 200)
	a.do("PUT", "/v1/users/"+id+"/password", a.admin, map[string]any{"new_password": "reset-secret-pw-4"}, nil).want(t, 200)
	a.do("GET", "/v1/users/"+id+"/history", fresh, nil, nil).problem(t, 401, "unauthenticated")
	a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil).want(t, 200) // others' tokens live on

	secret := []byte(testConfig("").JWTSecret)
	now := time.Now()
	forge := func(c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := jwt.MapClaims{"iss": "recall-command-api", "sub": id, "role": "user"}
	for name, c := range map[string]jwt.MapClaims{
		"iat in the future": {"iat": now.Add(time.Hour).Unix(), "exp": now.Add(time.Hour + time.Minute).Unix()},
		"lifetime > TTL":    {"iat": now.Unix(), "exp": now.Add(24 * time.Hour).Unix()},
		"no iat":            {"exp": now.Add(time.Minute).Unix()},
	} {
		for k, v := range base {
			c[k] = v
		}
		if r := a.do("GET", "/v1/users/"+id+"/history", forge(c), nil, nil); r.Status != 401 {
			t.Errorf("%s: %d", name, r.Status)
		}
	}
}

// TestStateBeforeTheStreamIs404: time travel to an instant before the user existed,
// the zero instant included, finds no user (it used to answer the current state).
func TestStateBeforeTheStreamIs404(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	for _, at := range []string{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000001Z", "2000-01-01T00:00:00Z"} {
		a.do("GET", "/v1/users/"+id+"/state?at="+url.QueryEscape(at), a.admin, nil, nil).problem(t, 404, "not-found")
	}
	a.do("GET", "/v1/users/"+id+"/state?at="+url.QueryEscape(time.Now().Add(time.Minute).Format(time.RFC3339)), a.admin, nil, nil).want(t, 200)
}

// TestStrictJSONFields: a repeated field, or a field name in another case, is 422.
func TestStrictJSONFields(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	for body, field := range map[string]string{
		`{"first_name":"A","first_name":"B"}`: "first_name",
		`{"First_Name":"A"}`:                  "First_Name",
		`{"FIRST_NAME":"A"}`:                  "FIRST_NAME",
	} {
		pr := a.do("PATCH", "/v1/users/"+id, a.admin, body, nil).problem(t, 422, "validation")
		if pr.Errors[field] == "" {
			t.Errorf("%s: errors %v", body, pr.Errors)
		}
	}
	a.do("POST", "/v1/auth/login", "", `{"username":"admin","password":"x","password":"`+adminPassword+`"}`, nil).problem(t, 422, "validation")
	a.do("POST", "/v1/auth/login", "", `{"Username":"admin","password":"`+adminPassword+`"}`, nil).problem(t, 422, "validation")
}

// TestDeceptiveEmailsRefused: invisible, reordering and look-alike characters in an
// address are refused; IDNA spellings of one domain are one address.
func TestDeceptiveEmailsRefused(t *testing.T) {
	a := start(t, "")
	for i, email := range []string{"ada\u202emoc.elgoog@example.com", "ada@exa\u200bmple.com", "ada@p\u0430ypal.com", "\u0430da@example.com"} {
		pr := a.do("POST", "/v1/users", a.admin, map[string]any{"username": "ada" + string(rune('a'+i)), "email": email,
			"first_name": "Ada", "last_name": "L", "password": userPassword}, nil).problem(t, 422, "validation")
		if pr.Errors["email"] == "" {
			t.Fatalf("%q: %v", email, pr.Errors)
		}
	}
	a.do("POST", "/v1/users", a.admin, map[string]any{"username": "ada", "email": "ada@xn--exmple-cua.com",
		"first_name": "Ada", "last_name": "L", "password": userPassword}, nil).want(t, 201)
	pr := a.do("POST", "/v1/users", a.admin, map[string]any{"username": "ada2", "email": "ADA@EXÄMPLE.COM",
		"first_name": "Ada", "last_name": "L", "password": userPassword}, nil).problem(t, 409, "unique-violation")
	if pr.Errors["email"] == "" {
		t.Fatalf("errors %v", pr.Errors)
	}
}

// TestPasswordPolicy: common passwords are refused; Config refuses argon2id below
// OWASP's floor; a login re-hashes a password stored with other parameters.
func TestPasswordPolicy(t *testing.T) {
	a := start(t, "")
	for _, pw := range []string{"password123", "Qwerty123", "iloveyou1"} {
		pr := a.do("POST", "/v1/users", a.admin, map[string]any{"username": "eve", "email": "eve@example.com",
			"first_name": "E", "last_name": "V", "password": pw}, nil).problem(t, 422, "validation")
		if !strings.Contains(pr.Errors["password"], "common") {
			t.Fatalf("%q: %v", pw, pr.Errors)
		}
	}
	id := a.createUser("grace")
	tok := a.login("grace", userPassword)
	a.do("PUT", "/v1/users/"+id+"/password", tok, map[string]any{"current_password": userPassword, "new_password": "Password1"}, nil).
		problem(t, 422, "validation")

	cfg := testConfig(a.dbURL)
	cfg.Argon2 = credentials.Params{MemoryKiB: 8 * 1024, Time: 1, Threads: 1}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "OWASP") {
		t.Fatalf("m=8MiB t=1 accepted: %v", err)
	}

	// Another instance with stronger parameters: grace's next login upgrades her hash.
	var before, after string
	a.query(`SELECT hash FROM credentials WHERE user_id = '`+id+`'`, &before)
	b := start(t, a.dbURL, func(c *commandapi.Config) { c.Argon2 = credentials.Params{MemoryKiB: 12288, Time: 3, Threads: 1} })
	b.login("grace", userPassword)
	a.query(`SELECT hash FROM credentials WHERE user_id = '`+id+`'`, &after)
	if !strings.Contains(before, "m=7168,t=5") || !strings.Contains(after, "m=12288,t=3") {
		t.Fatalf("hash before %.40s…, after %.40s…", before, after)
	}
	a.login("grace", userPassword) // the old instance verifies the new hash
}

// TestSecurityHeaders: nosniff on every response, no-store on the API's, CORS only for
// configured origins.
func TestSecurityHeaders(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	for _, r := range []resp{
		a.do("GET", "/livez", "", nil, nil), a.do("GET", "/openapi.json", "", nil, nil), a.do("GET", "/metrics", "", nil, nil),
		a.do("GET", "/nowhere", "", nil, nil), a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil),
		a.do("GET", "/v1/users/"+id+"/state", a.admin, nil, nil),
		a.do("POST", "/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, nil),
	} {
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("no nosniff: %v", r.Header)
		}
	}
	for _, r := range []resp{a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil), a.do("GET", "/v1/users/"+id+"/state", a.admin, nil, nil),
		a.do("POST", "/v1/auth/login", "", map[string]string{"username": "admin", "password": adminPassword}, nil)} {
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("personal data cacheable: %v", r.Header)
		}
	}
	preflight := hdr{"Origin": "https://console.example.com", "Access-Control-Request-Method": "GET"}
	r := a.do("OPTIONS", "/v1/users/"+id, "", nil, preflight)
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS on without configuration: %v", r.Header)
	}
	if r := a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, hdr{"Origin": "https://evil.example"}); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS for an unknown origin: %v", r.Header)
	}
	b := start(t, "", func(c *commandapi.Config) { c.CORSOrigins = []string{"https://console.example.com"} })
	r = b.do("OPTIONS", "/v1/users/"+id, "", nil, preflight)
	if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") != "https://console.example.com" ||
		!strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", r.Status, r.Header)
	}
	r = b.do("GET", "/livez", "", nil, hdr{"Origin": "https://evil.example"})
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("CORS for an unknown origin: %v", r.Header)
	}
}
