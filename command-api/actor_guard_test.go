package commandapi_test

import "testing"

// Commands check their actor on the cached state of its user and guard their append on
// that state's revision instead of reading it per request. Two processes on one database
// show that the check still holds when the change happened elsewhere: process b has the
// actor cached, process a changes the actor, and b refuses what the actor may no longer
// do, accepts what it now may, and never answers a refused token from its cache.
func TestActorCheckedAcrossProcesses(t *testing.T) {
	a := start(t, "")
	b := start(t, a.dbURL)
	ada, grace, victim := a.createUser("ada"), a.createUser("grace"), a.createUser("victim")
	a.do("PUT", "/v1/users/"+ada+"/role", a.admin, map[string]any{"role": "admin"}, nil).want(t, 200)
	adaTok, graceTok := a.login("ada", userPassword), a.login("grace", userPassword)
	// b caches both actors.
	b.do("PATCH", "/v1/users/"+victim, adaTok, map[string]any{"first_name": "Alan"}, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+grace, graceTok, map[string]any{"first_name": "Grace"}, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+victim, graceTok, map[string]any{"first_name": "Eve"}, nil).problem(t, 403, "forbidden")

	// Demoted on a: Ada's token is refused on b, for a change and for a no-op alike.
	a.do("PUT", "/v1/users/"+ada+"/role", a.admin, map[string]any{"role": "user"}, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+victim, adaTok, map[string]any{"first_name": "Mallory"}, nil).problem(t, 401, "unauthenticated")
	b.do("PATCH", "/v1/users/"+victim, adaTok, map[string]any{"first_name": "Alan"}, nil).problem(t, 401, "unauthenticated")
	b.do("PUT", "/v1/users/"+ada+"/role", adaTok, map[string]any{"role": "admin"}, nil).problem(t, 401, "unauthenticated")
	adaTok = a.login("ada", userPassword)
	b.do("PATCH", "/v1/users/"+victim, adaTok, map[string]any{"first_name": "Mallory"}, nil).problem(t, 403, "forbidden")

	// Promoted on a while b holds Grace as a user: her new token may act on b at once.
	a.do("PUT", "/v1/users/"+grace+"/role", a.admin, map[string]any{"role": "admin"}, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+grace, graceTok, map[string]any{"first_name": "Old"}, nil).problem(t, 401, "unauthenticated")
	graceTok = a.login("grace", userPassword)
	b.do("PATCH", "/v1/users/"+victim, graceTok, map[string]any{"first_name": "Alan"}, nil).want(t, 200)

	// A retry with an Idempotency-Key is replayed on b only while the token is good.
	key := hdr{"Idempotency-Key": "k-1"}
	b.do("PATCH", "/v1/users/"+grace, graceTok, map[string]any{"first_name": "Grace"}, key).want(t, 200)
	b.do("PATCH", "/v1/users/"+grace, graceTok, map[string]any{"first_name": "Grace"}, key).want(t, 200)
	a.do("PUT", "/v1/users/"+grace+"/password", a.admin, map[string]any{"new_password": "another-secret-pw-2"}, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+grace, graceTok, map[string]any{"first_name": "Grace"}, key).problem(t, 401, "unauthenticated")

	// Deleted on a: refused on b, a no-op on herself included.
	a.do("DELETE", "/v1/users/"+ada, a.admin, nil, nil).want(t, 200)
	b.do("PATCH", "/v1/users/"+ada, adaTok, map[string]any{"first_name": "Ada"}, nil).problem(t, 401, "unauthenticated")
	b.do("PATCH", "/v1/users/"+ada, adaTok, map[string]any{"first_name": "Back"}, nil).problem(t, 401, "unauthenticated")
}
