package commandapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/command-api/internal/console"
	"github.com/recall-events/recall/eventstore"
)

// getRaw fetches a console URL without following redirects.
func (a *api) getRaw(method, path string) (int, http.Header, string) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, nil)
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestConsoleIsServedWithAStrictPolicy(t *testing.T) {
	a := start(t, "")
	status, h, body := a.getRaw("GET", "/console/")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, `<script src="/console/console.js"`) {
		t.Fatalf("index: %d %v %.200s", status, h, body)
	}
	if h.Get("Content-Security-Policy") != console.CSP || !strings.Contains(console.CSP, "default-src 'self'") ||
		h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("security headers %v", h)
	}
	for _, f := range []struct{ path, ctype string }{{"/console/console.js", "javascript"}, {"/console/console.css", "text/css"}} {
		status, h, body := a.getRaw("GET", f.path)
		if status != 200 || !strings.Contains(h.Get("Content-Type"), f.ctype) || h.Get("Content-Security-Policy") == "" {
			t.Fatalf("%s: %d %v", f.path, status, h)
		}
		// Nothing from another host: no absolute URL at all in the console's files.
		if sub := contains(body, "http://", "https://", "//fonts.", "cdn"); sub != "" {
			t.Fatalf("%s refers to %q", f.path, sub)
		}
		if sub := contains(body, "localStorage", "sessionStorage", "document.cookie", "innerHTML"); sub != "" {
			t.Fatalf("%s uses %s: the token stays in memory and text is never parsed as HTML", f.path, sub)
		}
	}
	if sub := contains(body, "http://", "https://", "style=", "onclick", "<script>"); sub != "" {
		t.Fatalf("index.html has %q: inline code or another host", sub)
	}
	if status, _, body := a.getRaw("GET", "/console/user/some-id"); status != 200 || !strings.Contains(body, "<html") {
		t.Fatalf("deep link: %d", status)
	}
	if status, h, _ := a.getRaw("GET", "/console"); status != 308 || h.Get("Location") != "/console/" {
		t.Fatalf("/console: %d %v", status, h)
	}
	if status, _, _ := a.getRaw("HEAD", "/console/"); status != 200 {
		t.Fatalf("HEAD: %d", status)
	}
}

type actorPage struct {
	ActorID string `json:"actor_id"`
	Items   []struct {
		AggregateID string `json:"aggregate_id"`
		Revision    int64  `json:"revision"`
		EventType   string `json:"event_type"`
		Metadata    struct {
			ActorID string `json:"actor_id"`
			Reason  string `json:"reason"`
		} `json:"metadata"`
	} `json:"items"`
	NextPageToken *string `json:"next_page_token"`
}

// The actor's view: what did this admin change, newest first?
func TestActorEvents(t *testing.T) {
	a := start(t, "")
	grace := a.createUser("grace")
	alan := a.createUser("alan")
	a.do("DELETE", "/v1/users/"+grace, a.admin, map[string]any{"reason": "left the company"}, nil).want(t, 200)
	var h history
	a.do("GET", "/v1/users/"+grace+"/history", a.admin, nil, nil).want(t, 200).json(t, &h)
	adminID := h.Events[1].Metadata.ActorID

	var page actorPage
	a.do("GET", "/v1/actors/"+adminID+"/events", a.admin, nil, nil).want(t, 200).json(t, &page)
	if page.ActorID != adminID || len(page.Items) != 3 || page.NextPageToken != nil {
		t.Fatalf("page %+v", page)
	}
	first := page.Items[0]
	if first.EventType != "UserDeleted" || first.AggregateID != grace || first.Metadata.Reason != "left the company" ||
		page.Items[1].AggregateID != alan || page.Items[2].AggregateID != grace {
		t.Fatalf("not newest first: %+v", page.Items)
	}

	// Cursor pages of one, through every event, to the last page.
	var seen []string
	token := ""
	for range 5 {
		q := "?page_size=1"
		if token != "" {
			q += "&page_token=" + url.QueryEscape(token)
		}
		var p actorPage
		a.do("GET", "/v1/actors/"+adminID+"/events"+q, a.admin, nil, nil).want(t, 200).json(t, &p)
		for _, it := range p.Items {
			seen = append(seen, it.EventType)
		}
		if p.NextPageToken == nil {
			break
		}
		token = *p.NextPageToken
	}
	if strings.Join(seen, ",") != "UserDeleted,UserCreated,UserCreated" {
		t.Fatalf("paged: %v", seen)
	}

	// The bootstrap admin was created by the system actor.
	var sys actorPage
	a.do("GET", "/v1/actors/system/events", a.admin, nil, nil).want(t, 200).json(t, &sys)
	if len(sys.Items) != 1 || sys.Items[0].AggregateID != adminID || sys.Items[0].EventType != "UserCreated" {
		t.Fatalf("system: %+v", sys)
	}

	// Auditors read it; users and strangers do not; bad input is refused.
	audrey := a.createUser("audrey")
	a.do("PUT", "/v1/users/"+audrey+"/role", a.admin, map[string]any{"role": "auditor"}, nil).want(t, 200)
	a.do("GET", "/v1/actors/"+adminID+"/events", a.login("audrey", userPassword), nil, nil).want(t, 200)
	a.do("GET", "/v1/actors/"+adminID+"/events", a.login("alan", userPassword), nil, nil).problem(t, 403, "forbidden")
	a.do("GET", "/v1/actors/"+adminID+"/events", "", nil, nil).problem(t, 401, "unauthenticated")
	a.do("GET", "/v1/actors/nobody/events", a.admin, nil, nil).problem(t, 404, "not-found")
	a.do("GET", "/v1/actors/"+adminID+"/events?page_token=garbage", a.admin, nil, nil).problem(t, 422, "validation")
	a.do("GET", "/v1/actors/"+adminID+"/events?page_size=201", a.admin, nil, nil).problem(t, 422, "validation")
}

type dryRunResult struct {
	Outcome string `json:"outcome"`
	Events  []struct {
		EventType string         `json:"event_type"`
		Data      map[string]any `json:"data"`
		Metadata  struct {
			ActorID string `json:"actor_id"`
			Reason  string `json:"reason"`
		} `json:"metadata"`
	} `json:"events"`
	Problem *struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
	} `json:"problem"`
	Before   *state `json:"before"`
	After    *state `json:"after"`
	Appended bool   `json:"appended"`
}

func TestDryRunAppendsNothing(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	a.do("PATCH", "/v1/users/"+id, a.admin, map[string]any{"first_name": "Grace"}, nil).want(t, 200)
	time.Sleep(10 * time.Millisecond)
	beforeDelete := time.Now().UTC()
	time.Sleep(10 * time.Millisecond)
	a.do("DELETE", "/v1/users/"+id, a.admin, map[string]any{"reason": "left"}, nil).want(t, 200)
	path := "/v1/users/" + id + "/commands:dry-run"
	lengthIs := func(want int) {
		t.Helper()
		var h history
		a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil).want(t, 200).json(t, &h)
		if len(h.Events) != want {
			t.Fatalf("history has %d events, want %d: a dry run appended", len(h.Events), want)
		}
	}

	// Now the user is deleted: deleting again is refused as the real route would (410),
	// restoring would append UserRestored with the reason and the caller as actor.
	var r dryRunResult
	a.do("POST", path, a.admin, map[string]any{"command": "DeleteUser", "input": map[string]any{"reason": "again"}}, nil).want(t, 200).json(t, &r)
	if r.Outcome != "refused" || r.Problem == nil || r.Problem.Status != 410 || len(r.Events) != 0 || r.Appended || r.Before.Status != "deleted" {
		t.Fatalf("delete of a deleted user: %+v", r)
	}
	a.do("POST", path, a.admin, map[string]any{"command": "RestoreUser", "input": map[string]any{"reason": "ticket 7"}}, nil).want(t, 200).json(t, &r)
	if r.Outcome != "events" || len(r.Events) != 1 || r.Events[0].EventType != "UserRestored" || r.Events[0].Metadata.Reason != "ticket 7" ||
		r.Events[0].Metadata.ActorID == "" || r.After.Status != "active" || r.After.Revision != 4 {
		t.Fatalf("restore: %+v", r)
	}

	// In the past: before the deletion, the same delete would have worked.
	q := "?at=" + url.QueryEscape(beforeDelete.Format(time.RFC3339Nano))
	a.do("POST", path+q, a.admin, map[string]any{"command": "DeleteUser"}, nil).want(t, 200).json(t, &r)
	if r.Outcome != "events" || r.Events[0].EventType != "UserDeleted" || r.Before.Revision != 2 || r.After.Status != "deleted" {
		t.Fatalf("delete in the past: %+v", r)
	}
	a.do("POST", path+"?revision=1", a.admin, map[string]any{"command": "UpdateUser", "input": map[string]any{"first_name": "Ada"}}, nil).want(t, 200).json(t, &r)
	if r.Outcome != "unchanged" || len(r.Events) != 0 {
		t.Fatalf("update to the same name: %+v", r)
	}
	a.do("POST", path+"?revision=1", a.admin, map[string]any{"command": "ChangeRole", "input": map[string]any{"role": "admin"}}, nil).want(t, 200).json(t, &r)
	if r.Outcome != "events" || r.Events[0].Data["previous_role"] != "user" {
		t.Fatalf("role: %+v", r)
	}
	lengthIs(3)

	a.do("POST", path, a.admin, map[string]any{"command": "CreateUser"}, nil).problem(t, 422, "validation")
	a.do("POST", path, a.admin, map[string]any{"command": "Explode"}, nil).problem(t, 422, "validation")
	a.do("POST", path, a.admin, map[string]any{"command": "UpdateUser", "input": map[string]any{"nickname": "x"}}, nil).problem(t, 422, "validation")
	a.do("POST", path+"?revision=9", a.admin, map[string]any{"command": "DeleteUser"}, nil).problem(t, 404, "not-found")
	a.do("POST", path+"?at=2000-01-01T00:00:00Z", a.admin, map[string]any{"command": "DeleteUser"}, nil).problem(t, 404, "not-found")
	other := a.createUser("alan")
	a.do("POST", "/v1/users/"+other+"/commands:dry-run", a.login("alan", userPassword), map[string]any{"command": "DeleteUser"}, nil).problem(t, 403, "forbidden")
	lengthIs(3)
}

// History and state of a 1,000-event stream, over HTTP: the routes answer the right
// revision (the seed is 100 events per append). How fast is BenchmarkConsoleRoutes's
// job (the console's 100 ms budget); a timed assertion here only flaked on busy machines.
func TestAuditRoutesOnAThousandEvents(t *testing.T) {
	a := start(t, "")
	id := a.createUser("longstream")
	seedUpdates(t, a, id, 999)
	for route, want := range map[string]struct {
		revision int64
		first    string
	}{"/state": {1000, "N0998"}, "/state?revision=500": {500, "N0498"}, "/state?revision=1000": {1000, "N0998"}} {
		var s struct {
			Revision  int64  `json:"revision"`
			FirstName string `json:"first_name"`
		}
		a.do("GET", "/v1/users/"+id+route, a.admin, nil, nil).want(t, 200).json(t, &s)
		if s.Revision != want.revision || s.FirstName != want.first {
			t.Errorf("GET %s: revision %d, first name %q; want %d, %q", route, s.Revision, s.FirstName, want.revision, want.first)
		}
	}
	a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil).want(t, 200)
}

// seedUpdates appends n UserUpdated events to id's stream through the store, 100 per
// transaction (the HTTP path would take n round trips), as if the admin had sent them.
func seedUpdates(t testing.TB, a *api, id string, n int) {
	t.Helper()
	ctx := context.Background()
	pool := openPool(t, a.dbURL)
	store := eventstore.New(pool)
	uid := uuid.MustParse(id)
	for i := 0; i < n; i += 100 {
		var batch []eventstore.NewEvent
		for j := i; j < min(i+100, n); j++ {
			batch = append(batch, eventstore.NewEvent{EventType: "UserUpdated", SchemaVersion: 1,
				Data:     fmt.Appendf(nil, `{"first_name":"N%04d","last_name":null,"email":null}`, j),
				Metadata: eventstore.Metadata{ActorID: "system", ActorRole: "system", Reason: "seed", RequestID: uuid.NewString()}})
		}
		if _, err := store.Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: uid,
			Expected: eventstore.Any, Events: batch}); err != nil {
			t.Fatal(err)
		}
	}
}

type projectionHealth struct {
	Store struct {
		Streams int64 `json:"streams"`
		Events  int64 `json:"events"`
	} `json:"store"`
	Versions []struct {
		Name          string   `json:"name"`
		Version       int      `json:"version"`
		State         string   `json:"state"`
		Rows          *int64   `json:"rows"`
		AppliedEvents *int64   `json:"applied_events"`
		LagEvents     *int64   `json:"lag_events"`
		LagSeconds    *float64 `json:"lag_seconds"`
		DeadLetters   int64    `json:"dead_letters"`
	} `json:"versions"`
	DeadLetters []struct {
		Projection string `json:"projection"`
		Count      int64  `json:"count"`
	} `json:"dead_letters"`
	Paused struct {
		Metric string `json:"metric"`
	} `json:"paused_partitions"`
}

func TestProjectionHealth(t *testing.T) {
	a := start(t, "")
	a.do("GET", "/v1/projections", a.admin, nil, nil).problem(t, 503, "unavailable") // no projector yet
	p := startProjector(t, a)
	p.projectAll()
	id := a.createUser("grace")
	a.do("PATCH", "/v1/users/"+id, a.admin, map[string]any{"first_name": "Grace"}, nil).want(t, 200)

	var h projectionHealth
	a.do("GET", "/v1/projections", a.admin, nil, nil).want(t, 200).json(t, &h)
	// The admin's stream (1 event) and grace's (2): the projection has the admin only.
	if h.Store.Streams != 2 || h.Store.Events != 3 || len(h.Versions) != 1 || h.Paused.Metric == "" {
		t.Fatalf("health %+v", h)
	}
	v := h.Versions[0]
	if v.Name != "users" || v.State != "live" || *v.Rows != 1 || *v.AppliedEvents != 1 || *v.LagEvents != 2 || *v.LagSeconds <= 0 {
		t.Fatalf("lagging version %+v", v)
	}
	p.projectAll()
	if _, err := p.pool.Exec(context.Background(), `INSERT INTO projector_dead_letters (projection, topic, partition, record_offset, aggregate_id, revision, error)
		VALUES ('users.v1', 'recall.user.events', 3, 17, $1, 3, 'boom')`, id); err != nil {
		t.Fatal(err)
	}
	a.do("GET", "/v1/projections", a.admin, nil, nil).want(t, 200).json(t, &h)
	v = h.Versions[0]
	if *v.LagEvents != 0 || *v.LagSeconds != 0 || v.DeadLetters != 1 || len(h.DeadLetters) != 1 || h.DeadLetters[0].Projection != "users.v1" {
		t.Fatalf("caught up %+v %+v", v, h.DeadLetters)
	}
	audrey := a.createUser("audrey")
	a.do("PUT", "/v1/users/"+audrey+"/role", a.admin, map[string]any{"role": "auditor"}, nil).want(t, 200)
	a.do("GET", "/v1/projections", a.login("audrey", userPassword), nil, nil).problem(t, 403, "forbidden")
}

// BenchmarkConsoleRoutes measures what the console's timeline and slider ask of a
// 1,000-event stream, over HTTP (admin token, OpenAPI validation off the clock):
//
//	go test -run '^$' -bench BenchmarkConsoleRoutes -benchtime 200x .
func BenchmarkConsoleRoutes(b *testing.B) {
	a := start(b, "", func(c *commandapi.Config) { c.LogOutput = io.Discard })
	id := a.createUser("longstream")
	seedUpdates(b, a, id, 999)
	var h history
	a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil).want(b, 200).json(b, &h)
	middle := h.Events[499].RecordedAt.Format(time.RFC3339Nano)
	for _, r := range []struct{ name, path string }{
		{"history", "/history"},
		{"state_now", "/state"},
		{"state_revision_500", "/state?revision=500"},
		{"state_revision_1000", "/state?revision=1000"},
		{"state_at_middle", "/state?at=" + url.QueryEscape(middle)},
	} {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", a.base+"/v1/users/"+id+r.path, nil)
				req.Header.Set("Authorization", "Bearer "+a.admin)
				res, err := a.client.Do(req)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("%s: %v %v", r.path, err, res)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}
