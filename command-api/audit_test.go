package commandapi_test

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

type history struct {
	ID     string `json:"id"`
	Events []struct {
		Revision      int64           `json:"revision"`
		EventType     string          `json:"event_type"`
		SchemaVersion int             `json:"schema_version"`
		RecordedAt    time.Time       `json:"recorded_at"`
		Data          json.RawMessage `json:"data"`
		Metadata      struct {
			ActorID        string `json:"actor_id"`
			ActorRole      string `json:"actor_role"`
			Reason         string `json:"reason"`
			RequestID      string `json:"request_id"`
			CorrelationID  string `json:"correlation_id"`
			CausationID    string `json:"causation_id"`
			IdempotencyKey string `json:"idempotency_key"`
			Traceparent    string `json:"traceparent"`
		} `json:"metadata"`
	} `json:"events"`
}

type state struct {
	Status    string `json:"status"`
	FirstName string `json:"first_name"`
	Email     string `json:"email"`
	Revision  int64  `json:"revision"`
}

// The seed's question: who deleted my user, when, and why?
func TestHistoryWhoWhenWhy(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	var adminID struct {
		ID string `json:"id"`
	}
	_ = adminID
	const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	a.do("DELETE", "/v1/users/"+id, a.admin, map[string]any{"reason": "left the company"},
		hdr{"X-Request-ID": "req-42", "X-Correlation-ID": "ticket-7", "traceparent": tp, "Idempotency-Key": "del-1"}).want(t, 200)

	var h history
	r := a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil).want(t, 200)
	r.json(t, &h)
	if len(h.Events) != 2 || r.Header.Get("ETag") != `"2"` {
		t.Fatalf("history %s", r.Body)
	}
	del := h.Events[1]
	m := del.Metadata
	if del.EventType != "UserDeleted" || m.ActorRole != "admin" || m.ActorID == "" || m.ActorID == "system" ||
		m.Reason != "left the company" || m.RequestID != "req-42" || m.CorrelationID != "ticket-7" ||
		m.Traceparent != tp || m.IdempotencyKey != "del-1" || time.Since(del.RecordedAt) > time.Minute {
		t.Fatalf("delete event %+v", del)
	}
	// The creator was the bootstrap admin, itself created by "system".
	if h.Events[0].Metadata.ActorID != m.ActorID {
		t.Fatalf("creator %q, deleter %q", h.Events[0].Metadata.ActorID, m.ActorID)
	}
	var ah history
	a.do("GET", "/v1/users/"+m.ActorID+"/history", a.admin, nil, nil).want(t, 200).json(t, &ah)
	if ah.Events[0].Metadata.ActorID != "system" || ah.Events[0].Metadata.Reason != "bootstrap admin" {
		t.Fatalf("admin's creation %+v", ah.Events[0])
	}
	a.do("GET", "/v1/users/0190c1d2-0000-7000-8000-000000000000/history", a.admin, nil, nil).problem(t, 404, "not-found")
}

func TestStateTimeTravel(t *testing.T) {
	a := start(t, "")
	id := a.createUser("grace")
	a.do("PATCH", "/v1/users/"+id, a.admin, map[string]any{"first_name": "Grace"}, nil).want(t, 200)
	time.Sleep(20 * time.Millisecond)
	before := time.Now().UTC()
	time.Sleep(20 * time.Millisecond)
	a.do("DELETE", "/v1/users/"+id, a.admin, map[string]any{"reason": "gone"}, nil).want(t, 200)

	var s state
	a.do("GET", "/v1/users/"+id+"/state", a.admin, nil, nil).want(t, 200).json(t, &s)
	if s.Status != "deleted" || s.Revision != 3 {
		t.Fatalf("now: %+v", s)
	}
	a.do("GET", "/v1/users/"+id+"/state?at="+url.QueryEscape(before.Format(time.RFC3339Nano)), a.admin, nil, nil).want(t, 200).json(t, &s)
	if s.Status != "active" || s.FirstName != "Grace" || s.Revision != 2 {
		t.Fatalf("before the delete: %+v", s)
	}
	a.do("GET", "/v1/users/"+id+"/state?revision=1", a.admin, nil, nil).want(t, 200).json(t, &s)
	if s.FirstName != "Ada" || s.Revision != 1 {
		t.Fatalf("revision 1: %+v", s)
	}
	a.do("GET", "/v1/users/"+id+"/state?at=2000-01-01T00:00:00Z", a.admin, nil, nil).problem(t, 404, "not-found")
	// Past the stream's end there is no such revision (not the current state labelled so).
	a.do("GET", "/v1/users/"+id+"/state?revision=3", a.admin, nil, nil).want(t, 200)
	if p := a.do("GET", "/v1/users/"+id+"/state?revision=4", a.admin, nil, nil).problem(t, 404, "not-found"); p.Detail != "user "+id+" has 3 events; there is no revision 4" {
		t.Fatalf("detail %q", p.Detail)
	}
	a.do("GET", "/v1/users/"+id+"/state?revision=9223372036854775807", a.admin, nil, nil).problem(t, 404, "not-found")
	a.do("GET", "/v1/users/"+id+"/state?at=yesterday", a.admin, nil, nil).problem(t, 422, "validation")
	a.do("GET", "/v1/users/"+id+"/state?revision=0", a.admin, nil, nil).problem(t, 422, "validation")
	a.do("GET", "/v1/users/"+id+"/state?revision=1&at=2000-01-01T00:00:00Z", a.admin, nil, nil).problem(t, 422, "validation")
	a.do("GET", "/v1/users/0190c1d2-0000-7000-8000-000000000000/state", a.admin, nil, nil).problem(t, 404, "not-found")
}
