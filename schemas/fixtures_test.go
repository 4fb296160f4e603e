package schemas

import (
	"encoding/json"
	"testing"
	"time"
)

// sampleData holds a valid data object for every catalog entry; the catalog
// test fails when a schema is added without one.
var sampleData = map[schemaKey]string{
	{"PasswordChanged", 1}: `{"reset_by_admin":true}`,
	{"RoleChanged", 1}:     `{"role":"admin","previous_role":"user"}`,
	{"UserCreated", 1}:     `{"username":"ada","email":"ada@example.com","full_name":"Ada Lovelace","role":"user"}`,
	{"UserCreated", 2}:     `{"username":"ada","email":"ada@example.com","first_name":"Ada","last_name":"Lovelace \"Byron\" ☃","role":"admin"}`,
	{"UserDeleted", 1}:     `{"username":"ada","email":"ada@example.com"}`,
	{"UserRestored", 1}:    `{"username":"ada","email":"ada@example.com"}`,
	{"UserUpdated", 1}:     `{"first_name":"Augusta","last_name":null,"email":null}`,
	// Sealed versions: the codec sees strings; what they hold is sealed.go's business.
	{"PasswordChanged", 2}: `{"reset_by_admin":false}`,
	{"RoleChanged", 2}:     `{"role":"user","previous_role":"admin"}`,
	{"UserCreated", 3}:     `{"username":"rcl1.k.bm9uY2U.Y3Q","email":"rcl1.k.bm9uY2U.Y3Q","first_name":"rcl1.k.bm9uY2U.Y3Q","last_name":"rcl1.k.bm9uY2U.Y3Q","role":"user"}`,
	{"UserDeleted", 2}:     `{}`,
	{"UserForgotten", 1}:   `{}`,
	{"UserRestored", 2}:    `{}`,
	{"UserUpdated", 2}:     `{"first_name":"rcl1.k.bm9uY2U.Y3Q","last_name":null,"email":null}`,
}

const fullMetadata = `{"actor_id":"0193a3b0-0000-7000-8000-000000000001","actor_role":"admin","reason":"onboarding","correlation_id":"c-1","causation_id":"c-0","request_id":"r-1","idempotency_key":"k-1","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}`

func sampleEvent(t testing.TB, eventType string, version int) Event {
	t.Helper()
	data, ok := sampleData[schemaKey{eventType, version}]
	if !ok {
		t.Fatalf("no sample data for %s v%d", eventType, version)
	}
	return Event{
		EventID:        "0193a3b0-1c2d-7e3f-8a4b-5c6d7e8f9a0b",
		AggregateType:  "user",
		AggregateID:    "0193a3b0-0000-7000-8000-00000000abcd",
		Revision:       7,
		EventType:      eventType,
		SchemaVersion:  version,
		RecordedAt:     time.Date(2026, 11, 25, 10, 11, 12, 123456000, time.UTC),
		GlobalPosition: 1234567,
		Metadata:       json.RawMessage(fullMetadata),
		Data:           json.RawMessage(data),
	}
}

// jsonEqual compares two JSON documents semantically.
func jsonEqual(t testing.TB, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want invalid JSON %s: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}
