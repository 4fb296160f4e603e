package commandapi_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/devstack/pgtest"
)

// readUser is the read model's view of a user, as GET /v1/users/{id} answers it.
type readUser struct {
	ID        string     `json:"id"`
	Username  string     `json:"username"`
	Email     string     `json:"email"`
	FirstName string     `json:"first_name"`
	LastName  string     `json:"last_name"`
	Role      string     `json:"role"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	DeletedAt *time.Time `json:"deleted_at"`
	Revision  int64      `json:"revision"`
}

type userPage struct {
	Items         []readUser `json:"items"`
	NextPageToken *string    `json:"next_page_token"`
}

const unknownUser = "0190c1d2-0000-7000-8000-000000000000"

func (a *api) patch(id string, body map[string]any) int64 {
	a.t.Helper()
	var w written
	a.do("PATCH", "/v1/users/"+id, a.admin, body, nil).want(a.t, 200).json(a.t, &w)
	return w.Revision
}

func TestGetUser(t *testing.T) {
	a := start(t, "")
	p := startProjector(t, a)
	id := a.createUser("grace")
	path := "/v1/users/" + id

	// Written but not projected: the read model does not know it yet.
	a.do("GET", path, a.admin, nil, nil).problem(t, 404, "not-found")
	p.project(id, 0)

	tok := a.login("grace", userPassword) // a user reads itself
	r := a.do("GET", path, tok, nil, nil).want(t, 200)
	var u readUser
	r.json(t, &u)
	if u.ID != id || u.Username != "grace" || u.Email != "grace@example.com" || u.FirstName != "Ada" ||
		u.LastName != "Lovelace" || u.Role != "user" || u.Status != "active" || u.Revision != 1 ||
		u.DeletedAt != nil || time.Since(u.CreatedAt) > time.Minute || !u.UpdatedAt.Equal(u.CreatedAt) {
		t.Fatalf("user %+v", u)
	}
	if r.Header.Get("ETag") != `"1"` || r.Header.Get("Recall-Projection-Revision") != "1" {
		t.Fatalf("headers %v", r.Header)
	}
	for _, inm := range []string{`"1"`, `W/"1"`, `"0", "1"`, `*`} {
		r := a.do("GET", path, tok, nil, hdr{"If-None-Match": inm}).want(t, 304)
		if len(r.Body) != 0 || r.Header.Get("ETag") != `"1"` {
			t.Fatalf("If-None-Match %s: %v %q", inm, r.Header, r.Body)
		}
	}
	a.do("GET", path, tok, nil, hdr{"If-None-Match": `"2"`}).want(t, 200)

	a.do("GET", "/v1/users/"+unknownUser, a.admin, nil, nil).problem(t, 404, "not-found")
	a.do("GET", "/v1/users/not-a-uuid", tok, nil, nil).problem(t, 404, "not-found")
	for _, token := range []string{"", "not-a-jwt"} {
		a.do("GET", path, token, nil, nil).problem(t, 401, "unauthenticated")
		a.do("GET", "/v1/users", token, nil, nil).problem(t, 401, "unauthenticated")
	}
}

func TestGetDeletedUser(t *testing.T) {
	a := start(t, "")
	p := startProjector(t, a)
	id := a.createUser("grace")
	path := "/v1/users/" + id
	a.do("DELETE", path, a.admin, map[string]any{"reason": "left"}, nil).want(t, 200)
	p.project(id, 0)

	r := a.do("GET", path, a.admin, nil, nil)
	r.problem(t, 410, "deleted")
	if r.Header.Get("ETag") != `"2"` || r.Header.Get("Recall-Projection-Revision") != "2" {
		t.Fatalf("headers %v", r.Header)
	}
	// Waiting for the deletion's revision answers the same.
	a.do("GET", path+"?min_revision=2", a.admin, nil, nil).problem(t, 410, "deleted")
	a.do("GET", path, a.admin, nil, hdr{"If-None-Match": `"2"`}).problem(t, 410, "deleted")

	a.do("POST", path+"/restore", a.admin, nil, nil).want(t, 200)
	p.project(id, 0)
	var u readUser
	a.do("GET", path+"?min_revision=3", a.admin, nil, nil).want(t, 200).json(t, &u)
	if u.Status != "active" || u.Revision != 3 || u.DeletedAt != nil {
		t.Fatalf("restored %+v", u)
	}
}

func TestReadYourWrites(t *testing.T) {
	a := start(t, "")
	p := startProjector(t, a)
	id := a.createUser("grace")
	path := "/v1/users/" + id
	p.project(id, 0)
	outcome := func(o string) float64 {
		return counter(t, a, "recall_query_read_your_writes_total", "outcome", o)
	}

	t.Run("fresh", func(t *testing.T) {
		rev := a.patch(id, map[string]any{"first_name": "Grace"})
		p.project(id, rev)
		var u readUser
		a.do("GET", path+"?min_revision="+itoa(rev), a.admin, nil, nil).want(t, 200).json(t, &u)
		if u.Revision != rev || u.FirstName != "Grace" || outcome("fresh") != 1 {
			t.Fatalf("user %+v, fresh %v", u, outcome("fresh"))
		}
	})

	t.Run("waited", func(t *testing.T) {
		rev := a.patch(id, map[string]any{"last_name": "Hopper"})
		const delay = 300 * time.Millisecond
		began := time.Now()
		applied := p.projectAfter(delay, id, rev)
		r := a.do("GET", path+"?min_revision="+itoa(rev)+"&wait=5s", a.admin, nil, nil).want(t, 200)
		took := time.Since(began)
		if err := <-applied; err != nil {
			t.Fatal(err)
		}
		var u readUser
		r.json(t, &u)
		if u.Revision != rev || u.LastName != "Hopper" || r.Header.Get("ETag") != `"`+itoa(rev)+`"` {
			t.Fatalf("user %+v, headers %v", u, r.Header)
		}
		if took < delay || took > 4*time.Second {
			t.Fatalf("answered after %s; the projection applied after %s", took, delay)
		}
		// The wait was released by the apply's notification: command-api's last hop.
		if n := counter(t, a, "recall_hop_seconds", "hop", "apply_to_visible"); n != 1 {
			t.Fatalf("apply_to_visible observations %v, want 1", n)
		}
		if n := counter(t, a, "recall_hop_seconds", "hop", "request_to_commit"); n < 3 {
			t.Fatalf("request_to_commit observations %v, want one per command (≥ 3)", n)
		}
		if outcome("waited") != 1 {
			t.Fatalf("waited = %v", outcome("waited"))
		}
	})

	t.Run("a user not projected yet is waited for", func(t *testing.T) {
		other := a.createUser("alan")
		applied := p.projectAfter(200*time.Millisecond, other, 0)
		var u readUser
		a.do("GET", "/v1/users/"+other+"?min_revision=1&wait=1.5", a.admin, nil, nil).want(t, 200).json(t, &u)
		if err := <-applied; err != nil || u.Username != "alan" {
			t.Fatalf("user %+v, %v", u, err)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		seen := a.patch(id, map[string]any{"email": "hopper@example.com"})
		p.project(id, seen)
		want := a.patch(id, map[string]any{"first_name": "Amazing Grace"}) // never projected
		began := time.Now()
		r := a.do("GET", path+"?min_revision="+itoa(want)+"&wait=300ms", a.admin, nil, nil)
		took := time.Since(began)
		pr := r.problem(t, 503, "projection-lagging")
		if r.Header.Get("Retry-After") != "1" || r.Header.Get("Recall-Projection-Revision") != itoa(seen) ||
			r.Header.Get("ETag") != "" {
			t.Fatalf("headers %v", r.Header)
		}
		if !strings.Contains(pr.Detail, "at revision "+itoa(seen)) || !strings.Contains(pr.Detail, "want revision "+itoa(want)) {
			t.Fatalf("detail %q", pr.Detail)
		}
		if took < 300*time.Millisecond || took > 3*time.Second {
			t.Fatalf("timed out after %s, asked 300ms", took)
		}
		// wait=0 checks once; a user the read model never saw says so.
		a.do("GET", path+"?min_revision="+itoa(want)+"&wait=0", a.admin, nil, nil).problem(t, 503, "projection-lagging")
		pr = a.do("GET", "/v1/users/"+unknownUser+"?min_revision=1&wait=50ms", a.admin, nil, nil).problem(t, 503, "projection-lagging")
		if !strings.Contains(pr.Detail, "not projected user "+unknownUser+" yet") {
			t.Fatalf("detail %q", pr.Detail)
		}
		if outcome("timeout") != 3 {
			t.Fatalf("timeout = %v", outcome("timeout"))
		}
		// The same read without min_revision answers what the read model has.
		var u readUser
		a.do("GET", path, a.admin, nil, nil).want(t, 200).json(t, &u)
		if u.Revision != seen {
			t.Fatalf("revision %d, want %d", u.Revision, seen)
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		for q, field := range map[string]string{
			"min_revision=0": "min_revision", "min_revision=two": "min_revision", "min_revision=": "min_revision",
			"min_revision=1&wait=-1s": "wait", "min_revision=1&wait=soon": "wait", "min_revision=1&wait=NaN": "wait",
			"wait=-3": "wait",
		} {
			pr := a.do("GET", path+"?"+q, a.admin, nil, nil).problem(t, 422, "validation")
			if pr.Errors[field] == "" {
				t.Errorf("%s: errors %v", q, pr.Errors)
			}
		}
	})

	body := string(a.do("GET", "/metrics", "", nil, nil).want(t, 200).Body)
	for _, want := range []string{
		`recall_http_request_duration_seconds_count{method="GET",route="/v1/users/:id",status_class="5xx"} 3`,
		`recall_query_read_your_writes_total{outcome="waited"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestListUsers(t *testing.T) {
	a := start(t, "")
	p := startProjector(t, a)
	names := []string{"ann", "anna", "annabel", "anne", "bob", "bobby", "carol"}
	ids := map[string]string{}
	for _, n := range names {
		ids[n] = a.createUser(n)
	}
	a.do("PUT", "/v1/users/"+ids["anna"]+"/role", a.admin, map[string]any{"role": "admin"}, nil).want(t, 200)
	a.do("PUT", "/v1/users/"+ids["bob"]+"/role", a.admin, map[string]any{"role": "admin"}, nil).want(t, 200)
	a.do("DELETE", "/v1/users/"+ids["anne"], a.admin, nil, nil).want(t, 200)
	a.do("DELETE", "/v1/users/"+ids["bobby"], a.admin, nil, nil).want(t, 200)
	p.projectAll()
	tok := a.admin // listing is for admins and auditors (security_test.go)

	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"admin", "ann", "anna", "annabel", "anne", "bob", "bobby", "carol"}},
		{"page_size=3", []string{"admin", "ann", "anna", "annabel", "anne", "bob", "bobby", "carol"}},
		{"username=ann&page_size=2", []string{"ann", "anna", "annabel", "anne"}},
		{"username=anna", []string{"anna", "annabel"}},
		{"email=bob", []string{"bob", "bobby"}},
		// Usernames and emails are stored lower-cased: so are the prefixes (and the page
		// tokens made for them).
		{"username=Anna", []string{"anna", "annabel"}},
		{"username=ANN&page_size=2", []string{"ann", "anna", "annabel", "anne"}},
		{"email=BOB%40Example.COM", []string{"bob"}},
		{"status=deleted&page_size=1", []string{"anne", "bobby"}},
		{"status=active&username=b", []string{"bob"}},
		{"role=admin", []string{"admin", "anna", "bob"}},
		{"role=user&status=active&username=ann&page_size=1", []string{"ann", "annabel"}},
		{"username=a_", nil},
		{"username=&role=&status=", []string{"admin", "ann", "anna", "annabel", "anne", "bob", "bobby", "carol"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, pages := a.listAll(tok, tt.query)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v over %d pages, want %v", got, pages, tt.want)
			}
		})
	}

	t.Run("items", func(t *testing.T) {
		var page userPage
		a.do("GET", "/v1/users?username=anne", tok, nil, nil).want(t, 200).json(t, &page)
		if len(page.Items) != 1 || page.NextPageToken != nil {
			t.Fatalf("page %+v", page)
		}
		u := page.Items[0]
		if u.ID != ids["anne"] || u.Status != "deleted" || u.DeletedAt == nil || u.Revision != 2 || u.Email != "anne@example.com" {
			t.Fatalf("anne %+v", u)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		var first userPage
		a.do("GET", "/v1/users?page_size=2", tok, nil, nil).want(t, 200).json(t, &first)
		if first.NextPageToken == nil {
			t.Fatal("no next page token")
		}
		token := url.QueryEscape(*first.NextPageToken)
		for q, field := range map[string]string{
			"page_token=!!":                       "page_token",
			"page_token=eyJ1IjoiYSJ9":             "page_token",
			"page_token=" + token + "&role=admin": "page_token", // made for other filters
			"page_size=0":                         "page_size",
			"page_size=201":                       "page_size",
			"page_size=ten":                       "page_size",
			"page_size=-1":                        "page_size",
			"status=gone":                         "status",
			"role=root":                           "role",
			"username=%00":                        "username",
			"email=%ff":                           "email",
		} {
			pr := a.do("GET", "/v1/users?"+q, tok, nil, nil).problem(t, 422, "validation")
			if pr.Errors[field] == "" {
				t.Errorf("%s: errors %v", q, pr.Errors)
			}
		}
		// The same token with its own filters goes on.
		a.do("GET", "/v1/users?page_size=2&page_token="+token, tok, nil, nil).want(t, 200)
	})
}

// listAll follows next_page_token from the first page of query to the last and returns
// the usernames in order, checking each page's size.
func (a *api) listAll(token, query string) ([]string, int) {
	a.t.Helper()
	size := 50
	if v, err := url.ParseQuery(query); err == nil && v.Get("page_size") != "" {
		size = atoi(a.t, v.Get("page_size"))
	}
	var names []string
	next, pages := "", 0
	for {
		q := query
		if next != "" {
			q += "&page_token=" + url.QueryEscape(next)
		}
		var page userPage
		a.do("GET", "/v1/users?"+q, token, nil, nil).want(a.t, 200).json(a.t, &page)
		pages++
		if len(page.Items) > size || page.Items == nil {
			a.t.Fatalf("page of %d items, page size %d", len(page.Items), size)
		}
		for _, u := range page.Items {
			names = append(names, u.Username)
		}
		if page.NextPageToken == nil {
			return names, pages
		}
		next = *page.NextPageToken
	}
}

// Before the projector has ever made a users version live, reads say so: 503, not 500.
func TestReadsBeforeTheProjectorIsLive(t *testing.T) {
	a := start(t, "")
	projectorPool(t, a.dbURL) // its tables exist, no version is live yet
	id := a.createUser("grace")
	for _, path := range []string{"/v1/users", "/v1/users/" + id} {
		r := a.do("GET", path, a.admin, nil, nil)
		r.problem(t, 503, "unavailable")
		if r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: no Retry-After", path)
		}
	}
	// A read-your-writes wait for it times out as lagging.
	a.do("GET", "/v1/users/"+id+"?min_revision=1&wait=100ms", a.admin, nil, nil).problem(t, 503, "projection-lagging")
}

// The read models may live in another database than the event store.
func TestSeparateReadDatabase(t *testing.T) {
	readURL := pgtest.Database(t)
	a := start(t, "", func(c *commandapi.Config) { c.ReadDatabaseURL = readURL })
	p := startProjectorOn(t, a, readURL)
	id := a.createUser("grace")
	applied := p.projectAfter(100*time.Millisecond, id, 0)
	var u readUser
	a.do("GET", "/v1/users/"+id+"?min_revision=1", a.admin, nil, nil).want(t, 200).json(t, &u)
	if err := <-applied; err != nil || u.Username != "grace" {
		t.Fatalf("user %+v, %v", u, err)
	}
	var page userPage
	a.do("GET", "/v1/users", a.admin, nil, nil).want(t, 200).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != id { // the admin was never projected there
		t.Fatalf("page %+v", page)
	}
	// The event store's database has no read model at all.
	var n int
	if err := openPool(t, a.dbURL).QueryRow(context.Background(),
		`SELECT count(*) FROM pg_tables WHERE tablename IN ('projections', 'users_v1')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("read-model tables in the event store's database: %d, %v", n, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// counter is the value of the counter name{label="value"} on a's registry.
func counter(t *testing.T, a *api, name, label, value string) float64 {
	t.Helper()
	mfs, err := a.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value && m.Histogram != nil {
					return float64(m.GetHistogram().GetSampleCount())
				}
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return 0
}
