package schemas

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name      string
		eventType string
		version   int
		data      string
		wantErr   error
	}{
		{"created v2", "UserCreated", 2, sampleData[schemaKey{"UserCreated", 2}], nil},
		{"created v2 defaults names", "UserCreated", 2, `{"username":"a","email":"e","role":"user"}`, nil},
		{"created v1", "UserCreated", 1, sampleData[schemaKey{"UserCreated", 1}], nil},
		{"updated nulls", "UserUpdated", 1, `{"first_name":null,"last_name":null,"email":"x@y"}`, nil},
		{"whitespace", "RoleChanged", 1, " {\"role\" : \"admin\",\n\"previous_role\":\"user\"}\n", nil},

		{"unknown type", "UserExploded", 1, `{}`, ErrUnknownSchema},
		{"unknown version", "UserCreated", 4, `{}`, ErrUnknownSchema},
		{"missing required", "UserDeleted", 1, `{"username":"a"}`, ErrInvalidData},
		{"updated key missing", "UserUpdated", 1, `{"first_name":null,"last_name":null}`, ErrInvalidData},
		{"wrong type string", "UserDeleted", 1, `{"username":1,"email":"e"}`, ErrInvalidData},
		{"wrong type bool", "PasswordChanged", 1, `{"reset_by_admin":"yes"}`, ErrInvalidData},
		{"null for string", "RoleChanged", 1, `{"role":null,"previous_role":"user"}`, ErrInvalidData},
		{"avro union form", "UserUpdated", 1, `{"first_name":{"string":"a"},"last_name":null,"email":null}`, ErrInvalidData},
		{"unknown extra field", "RoleChanged", 1, `{"role":"admin","previous_role":"user","password":"x"}`, ErrInvalidData},
		{"v2 field in v1", "UserCreated", 1, `{"username":"a","email":"e","full_name":"f","role":"user","first_name":"x"}`, ErrInvalidData},
		{"duplicate key", "RoleChanged", 1, `{"role":"admin","role":"user","previous_role":"user"}`, ErrInvalidData},
		{"not an object", "RoleChanged", 1, `["admin"]`, ErrInvalidData},
		{"json null", "RoleChanged", 1, `null`, ErrInvalidData},
		{"empty", "RoleChanged", 1, ``, ErrInvalidData},
		{"truncated", "RoleChanged", 1, `{"role":"admin"`, ErrInvalidData},
		{"trailing garbage", "RoleChanged", 1, `{"role":"admin","previous_role":"user"} x`, ErrInvalidData},
		{"invalid utf-8", "UserDeleted", 1, "{\"username\":\"\xff\",\"email\":\"e\"}", ErrInvalidData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.eventType, tt.version, json.RawMessage(tt.data))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Validate(%s) = %v, want %v", tt.data, err, tt.wantErr)
			}
		})
	}
}

func TestValidateMetadata(t *testing.T) {
	tests := []struct {
		meta    string
		wantErr error
	}{
		{fullMetadata, nil},
		{`{"actor_id":"a","actor_role":"admin"}`, nil},
		{`{}`, nil},
		{`{"actor_id":"a","secret":"x"}`, ErrInvalidData},
		{`{"reason":5}`, ErrInvalidData},
	}
	for _, tt := range tests {
		if err := ValidateMetadata(json.RawMessage(tt.meta)); !errors.Is(err, tt.wantErr) {
			t.Errorf("ValidateMetadata(%s) = %v, want %v", tt.meta, err, tt.wantErr)
		}
	}
}
