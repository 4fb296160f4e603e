package commandapi_test

import (
	"testing"

	"github.com/google/uuid"
)

// TestReadAuthorization: a user (and a service) reads only its own record, history and
// state; admins and auditors read all; a stranger's id is 403 whether or not it exists,
// decided before any lookup, so the answer reveals nothing; listing is for admins and
// auditors.
func TestReadAuthorization(t *testing.T) {
	a := start(t, "")
	p := startProjector(t, a)
	grace, alan := a.createUser("grace"), a.createUser("alan")
	audrey, svc := a.createUser("audrey"), a.createUser("svc-billing")
	a.do("PUT", "/v1/users/"+audrey+"/role", a.admin, map[string]any{"role": "auditor"}, nil).want(t, 200)
	a.do("PUT", "/v1/users/"+svc+"/role", a.admin, map[string]any{"role": "service"}, nil).want(t, 200)
	p.projectAll()
	users := map[string]string{"user": a.login("grace", userPassword), "service": a.login("svc-billing", userPassword)}
	self := map[string]string{"user": grace, "service": svc}
	stranger := uuid.NewString()

	for role, tok := range users {
		for _, suffix := range []string{"", "/history", "/state"} {
			a.do("GET", "/v1/users/"+self[role]+suffix, tok, nil, nil).want(t, 200)
			a.do("GET", "/v1/users/"+alan+suffix, tok, nil, nil).problem(t, 403, "forbidden")
			a.do("GET", "/v1/users/"+stranger+suffix, tok, nil, nil).problem(t, 403, "forbidden")
		}
		a.do("GET", "/v1/users", tok, nil, nil).problem(t, 403, "forbidden")
		a.do("GET", "/v1/users?username="+role, tok, nil, nil).problem(t, 403, "forbidden")
	}
	for _, tok := range []string{a.admin, a.login("audrey", userPassword)} {
		for _, suffix := range []string{"", "/history", "/state"} {
			a.do("GET", "/v1/users/"+alan+suffix, tok, nil, nil).want(t, 200)
		}
		a.do("GET", "/v1/users/"+stranger, tok, nil, nil).problem(t, 404, "not-found")
		var page struct {
			Items []struct {
				Username string `json:"username"`
				Role     string `json:"role"`
			} `json:"items"`
		}
		a.do("GET", "/v1/users", tok, nil, nil).want(t, 200).json(t, &page)
		if len(page.Items) != 5 {
			t.Fatalf("listed %+v", page.Items)
		}
		var auditors struct {
			Items []struct {
				Username string `json:"username"`
			} `json:"items"`
		}
		a.do("GET", "/v1/users?role=auditor", tok, nil, nil).want(t, 200).json(t, &auditors)
		if len(auditors.Items) != 1 || auditors.Items[0].Username != "audrey" {
			t.Fatalf("role=auditor listed %+v", auditors.Items)
		}
	}
}

// TestAuditorWritesNothing: an auditor reads everything but changes no user, itself
// included, except its own password; a service likewise.
func TestAuditorWritesNothing(t *testing.T) {
	a := start(t, "")
	alan := a.createUser("alan")
	for _, role := range []string{"auditor", "service"} {
		id := a.createUser("u-" + role)
		a.do("PUT", "/v1/users/"+id+"/role", a.admin, map[string]any{"role": role}, nil).want(t, 200)
		tok := a.login("u-"+role, userPassword)
		a.do("POST", "/v1/users", tok, map[string]any{"username": "eve", "email": "eve@example.com",
			"first_name": "E", "last_name": "V", "password": userPassword}, nil).problem(t, 403, "forbidden")
		for _, target := range []string{alan, id} {
			a.do("PATCH", "/v1/users/"+target, tok, map[string]any{"first_name": "X"}, nil).problem(t, 403, "forbidden")
			a.do("PUT", "/v1/users/"+target+"/role", tok, map[string]any{"role": "admin"}, nil).problem(t, 403, "forbidden")
			a.do("DELETE", "/v1/users/"+target, tok, nil, nil).problem(t, 403, "forbidden")
			a.do("POST", "/v1/users/"+target+"/restore", tok, nil, nil).problem(t, 403, "forbidden")
			a.do("DELETE", "/v1/users/"+target+"/lockout", tok, nil, nil).problem(t, 403, "forbidden")
		}
		a.do("PUT", "/v1/users/"+alan+"/password", tok, map[string]any{"new_password": "hijacked-pw-9"}, nil).problem(t, 403, "forbidden")
		a.do("PUT", "/v1/users/"+id+"/password", tok, map[string]any{"current_password": userPassword, "new_password": "my-own-new-pw-9"}, nil).want(t, 200)
	}
}
