package commandapi_test

import (
	"strings"
	"testing"
)

func TestCreateUser(t *testing.T) {
	a := start(t, "")
	body := map[string]any{"username": "Grace", "email": "Grace@Example.com", "first_name": "Grace",
		"last_name": "Hopper", "password": userPassword, "role": "admin"}
	r := a.do("POST", "/v1/users", a.admin, body, nil).want(t, 201)
	var w written
	r.json(t, &w)
	if r.Header.Get("Location") != "/v1/users/"+w.ID || r.Header.Get("ETag") != `"1"` || w.Revision != 1 {
		t.Fatalf("headers %v body %s", r.Header, r.Body)
	}
	// Unique username and email, case-insensitively: 409 naming the field.
	body["email"] = "other@example.com"
	p := a.do("POST", "/v1/users", a.admin, body, nil).problem(t, 409, "unique-violation")
	if p.Errors["username"] == "" || p.Errors["email"] != "" {
		t.Fatalf("errors %v", p.Errors)
	}
	body["username"], body["email"] = "grace2", "GRACE@example.COM"
	p = a.do("POST", "/v1/users", a.admin, body, nil).problem(t, 409, "unique-violation")
	if p.Errors["email"] == "" {
		t.Fatalf("errors %v", p.Errors)
	}
}

func TestCreateUserValidation(t *testing.T) {
	a := start(t, "")
	p := a.do("POST", "/v1/users", a.admin, map[string]any{"username": "x", "email": "not-an-email",
		"first_name": "", "last_name": "L", "password": "short", "role": "root"}, nil).problem(t, 422, "validation")
	for _, f := range []string{"username", "email", "first_name", "password", "role"} {
		if p.Errors[f] == "" {
			t.Errorf("no error for %s: %v", f, p.Errors)
		}
	}
	p = a.do("POST", "/v1/users", a.admin, `{"username":"grace","is_admin":true}`, nil).problem(t, 422, "validation")
	if p.Errors["is_admin"] == "" {
		t.Fatalf("errors %v", p.Errors)
	}
	p = a.do("POST", "/v1/users", a.admin, `{"username":42}`, nil).problem(t, 422, "validation")
	if p.Errors["username"] == "" {
		t.Fatalf("errors %v", p.Errors)
	}
	a.do("POST", "/v1/users", a.admin, `[1,2]`, nil).problem(t, 422, "validation")
	a.do("POST", "/v1/users", a.admin, `{"username":"grace"`, nil).problem(t, 400, "malformed-json")
	a.do("POST", "/v1/users", a.admin, `{"username":"grace"} {}`, nil).problem(t, 400, "malformed-json")
	a.do("POST", "/v1/users", a.admin, "", hdr{"Content-Type": "application/json"}).problem(t, 400, "malformed-json")
	a.do("POST", "/v1/users", a.admin, "username=grace", hdr{"Content-Type": "application/x-www-form-urlencoded"}).
		problem(t, 415, "unsupported-media-type")
	big := `{"username":"` + strings.Repeat("a", 70<<10) + `"}`
	a.do("POST", "/v1/users", a.admin, big, nil).problem(t, 413, "payload-too-large")
}

func TestUpdateUser(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	path := "/v1/users/" + id
	r := a.do("PATCH", path, a.admin, map[string]any{"email": "hopper@example.com", "reason": "married"}, nil).want(t, 200)
	var w written
	r.json(t, &w)
	if w.Revision != 2 || r.Header.Get("ETag") != `"2"` {
		t.Fatalf("%s %v", r.Body, r.Header)
	}
	// The same values again change nothing: 200 at the same revision.
	r = a.do("PATCH", path, a.admin, map[string]any{"email": "HOPPER@example.com"}, nil).want(t, 200)
	if r.Header.Get("ETag") != `"2"` {
		t.Fatalf("no-op moved the revision: %v", r.Header)
	}
	p := a.do("PATCH", path, a.admin, map[string]any{"reason": "nothing"}, nil).problem(t, 422, "validation")
	if p.Errors["body"] == "" {
		t.Fatalf("errors %v", p.Errors)
	}
	a.do("PATCH", path, a.admin, map[string]any{"email": "bad"}, nil).problem(t, 422, "validation")
	a.do("PATCH", path, a.admin, map[string]any{"first_name": "G", "reason": strings.Repeat("r", 501)}, nil).problem(t, 422, "validation")
	a.do("PATCH", "/v1/users/0190c1d2-0000-7000-8000-000000000000", a.admin, map[string]any{"first_name": "X"}, nil).problem(t, 404, "not-found")
	a.do("PATCH", "/v1/users/not-a-uuid", a.admin, map[string]any{"first_name": "X"}, nil).problem(t, 404, "not-found")
	// Taking another user's email is 409.
	a.createUser("alan")
	p = a.do("PATCH", path, a.admin, map[string]any{"email": "alan@example.com"}, nil).problem(t, 409, "unique-violation")
	if p.Errors["email"] == "" {
		t.Fatalf("errors %v", p.Errors)
	}
	// The old email was released by the first change.
	a.do("POST", "/v1/users", a.admin, map[string]any{"username": "grace2", "email": "grace@example.com",
		"first_name": "G", "last_name": "H", "password": userPassword}, nil).want(t, 201)
}

func TestChangeRole(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	path := "/v1/users/" + id + "/role"
	a.do("PUT", path, a.admin, map[string]any{"role": "admin", "reason": "promotion"}, nil).want(t, 200)
	r := a.do("PUT", path, a.admin, map[string]any{"role": "admin"}, nil).want(t, 200)
	if r.Header.Get("ETag") != `"2"` {
		t.Fatalf("same role moved the revision: %v", r.Header)
	}
	a.do("PUT", path, a.admin, map[string]any{"role": "root"}, nil).problem(t, 422, "validation")
	// The new role is in the next token: grace may now create users.
	tok := a.login("grace", userPassword)
	a.do("POST", "/v1/users", tok, map[string]any{"username": "alan", "email": "alan@example.com",
		"first_name": "A", "last_name": "T", "password": userPassword}, nil).want(t, 201)
}

func TestDeleteRestore(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	path := "/v1/users/" + id
	a.do("DELETE", path, a.admin, map[string]any{"reason": "left the company"}, nil).want(t, 200)
	a.do("DELETE", path, a.admin, nil, nil).problem(t, 410, "deleted")
	a.do("PATCH", path, a.admin, map[string]any{"first_name": "X"}, nil).problem(t, 410, "deleted")
	a.do("POST", "/v1/auth/login", "", map[string]string{"username": "grace", "password": userPassword}, nil).
		problem(t, 401, "invalid-credentials")
	a.do("POST", path+"/restore", a.admin, map[string]any{"reason": "came back"}, nil).want(t, 200)
	a.do("POST", path+"/restore", a.admin, nil, nil).problem(t, 409, "conflict")
	a.login("grace", userPassword)

	// Restore after the username was taken meanwhile: 409 naming it.
	a.do("DELETE", path, a.admin, nil, nil).want(t, 200)
	a.do("POST", "/v1/users", a.admin, map[string]any{"username": "grace", "email": "new@example.com",
		"first_name": "G", "last_name": "H", "password": userPassword}, nil).want(t, 201)
	p := a.do("POST", path+"/restore", a.admin, nil, nil).problem(t, 409, "unique-violation")
	if p.Errors["username"] == "" {
		t.Fatalf("errors %v", p.Errors)
	}
	a.do("DELETE", "/v1/users/0190c1d2-0000-7000-8000-000000000000", a.admin, nil, nil).problem(t, 404, "not-found")
}

func TestUnknownRoutes(t *testing.T) {
	a := start(t, "")
	a.do("GET", "/v2/nothing", "", nil, nil).problem(t, 404, "not-found")
	a.do("PUT", "/v1/auth/login", "", nil, nil).problem(t, 405, "method-not-allowed")
}
