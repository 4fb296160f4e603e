package schemas

import (
	"errors"
	"fmt"
	"testing"
)

func TestCatalogOrderIsFixed(t *testing.T) {
	// Registry ids follow this order: changing it changes ids on a fresh
	// registry. Append new versions; never reorder.
	want := []string{
		"user PasswordChanged v1 recall.user.PasswordChanged avro/user/PasswordChanged.v1.avsc",
		"user PasswordChanged v2 recall.user.PasswordChanged avro/user/PasswordChanged.v2.avsc",
		"user RoleChanged v1 recall.user.RoleChanged avro/user/RoleChanged.v1.avsc",
		"user RoleChanged v2 recall.user.RoleChanged avro/user/RoleChanged.v2.avsc",
		"user UserCreated v1 recall.user.UserCreated avro/user/UserCreated.v1.avsc",
		"user UserCreated v2 recall.user.UserCreated avro/user/UserCreated.v2.avsc",
		"user UserCreated v3 recall.user.UserCreated avro/user/UserCreated.v3.avsc",
		"user UserDeleted v1 recall.user.UserDeleted avro/user/UserDeleted.v1.avsc",
		"user UserDeleted v2 recall.user.UserDeleted avro/user/UserDeleted.v2.avsc",
		"user UserForgotten v1 recall.user.UserForgotten avro/user/UserForgotten.v1.avsc",
		"user UserRestored v1 recall.user.UserRestored avro/user/UserRestored.v1.avsc",
		"user UserRestored v2 recall.user.UserRestored avro/user/UserRestored.v2.avsc",
		"user UserUpdated v1 recall.user.UserUpdated avro/user/UserUpdated.v1.avsc",
		"user UserUpdated v2 recall.user.UserUpdated avro/user/UserUpdated.v2.avsc",
	}
	got := Catalog()
	if len(got) != len(want) {
		t.Fatalf("catalog has %d schemas, want %d", len(got), len(want))
	}
	for i, s := range got {
		line := fmt.Sprintf("%s %s v%d %s %s", s.AggregateType, s.EventType, s.Version, s.FullName, s.Path)
		if line != want[i] {
			t.Errorf("catalog[%d] = %q, want %q", i, line, want[i])
		}
		if s.Text == "" {
			t.Errorf("catalog[%d] has no text", i)
		}
		if _, ok := sampleData[schemaKey{s.EventType, s.Version}]; !ok {
			t.Errorf("%s v%d has no sample data in fixtures_test.go", s.EventType, s.Version)
		}
	}
}

func TestCatalogIsACopy(t *testing.T) {
	c := Catalog()
	c[0].EventType = "Mutated"
	if Catalog()[0].EventType == "Mutated" {
		t.Fatal("Catalog returned shared state")
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		eventType string
		version   int
		wantErr   error
	}{
		{"UserCreated", 1, nil},
		{"UserCreated", 2, nil},
		{"UserUpdated", 1, nil},
		{"UserCreated", 3, nil},
		{"UserForgotten", 1, nil},
		{"UserCreated", 4, ErrUnknownSchema},
		{"UserCreated", 0, ErrUnknownSchema},
		{"NoSuchEvent", 1, ErrUnknownSchema},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_v%d", tt.eventType, tt.version), func(t *testing.T) {
			s, err := Lookup(tt.eventType, tt.version)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (s.EventType != tt.eventType || s.Version != tt.version) {
				t.Fatalf("got %s v%d", s.EventType, s.Version)
			}
		})
	}
}

func TestCurrentVersion(t *testing.T) {
	tests := map[string]int{
		"UserCreated":     3,
		"UserUpdated":     2,
		"PasswordChanged": 2,
		"RoleChanged":     2,
		"UserDeleted":     2,
		"UserRestored":    2,
		"UserForgotten":   1,
		"Unknown":         0,
	}
	for eventType, want := range tests {
		if got := CurrentVersion(eventType); got != want {
			t.Errorf("CurrentVersion(%s) = %d, want %d", eventType, got, want)
		}
	}
}

func TestSubjectAndCEType(t *testing.T) {
	s, err := Lookup("UserCreated", 2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Subject("recall.user.events"), "recall.user.events-recall.user.UserCreated"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	e := Event{AggregateType: "user", EventType: "UserCreated", SchemaVersion: 2}
	if got, want := e.CEType(), "recall.user.UserCreated.v2"; got != want {
		t.Errorf("CEType = %q, want %q", got, want)
	}
}
