package schemas

import (
	"errors"
	"strings"
	"testing"

	"github.com/hamba/avro/v2"
)

func TestCatalogIsBackwardTransitive(t *testing.T) {
	if err := CheckCompatibility(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckCompatibilityCatchesABreakingChange(t *testing.T) {
	v1, _ := Lookup("UserCreated", 1)
	v2, _ := Lookup("UserCreated", 2)
	// A v3 that adds a field without a default cannot read v1 or v2 data.
	v3 := v2
	v3.Version = 3
	v3.Text = strings.Replace(v2.Text, `"name": "role",`, `"name": "tenant", "type": "string"}, {"name": "role",`, 1)
	err := checkCompatibility([]Schema{v1, v2, v3})
	if !errors.Is(err, ErrIncompatible) {
		t.Fatalf("err = %v, want ErrIncompatible", err)
	}
	for _, want := range []string{"v3 cannot read v1", "v3 cannot read v2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestV1UserCreatedReadableByV2 is Avro schema resolution at work: bytes
// written with UserCreated v1 read with the v2 schema as reader. full_name is
// dropped, first_name and last_name take their default "" (the upcaster, not
// Avro, splits full_name).
func TestV1UserCreatedReadableByV2(t *testing.T) {
	v1, _ := Lookup("UserCreated", 1)
	v2, _ := Lookup("UserCreated", 2)
	writer, err := avro.ParseWithCache(v1.Text, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	reader, err := avro.ParseWithCache(v2.Text, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	resolved, err := avro.NewSchemaCompatibility().Resolve(reader, writer)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(sampleEvent(t, "UserCreated", 1))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		EventID       string `avro:"event_id"`
		SchemaVersion int    `avro:"schema_version"`
		Data          struct {
			Username  string `avro:"username"`
			Email     string `avro:"email"`
			FirstName string `avro:"first_name"`
			LastName  string `avro:"last_name"`
			Role      string `avro:"role"`
		} `avro:"data"`
	}
	if err := avro.Unmarshal(resolved, b, &got); err != nil {
		t.Fatal(err)
	}
	if got.EventID == "" || got.SchemaVersion != 1 || got.Data.Username != "ada" ||
		got.Data.Email != "ada@example.com" || got.Data.Role != "user" ||
		got.Data.FirstName != "" || got.Data.LastName != "" {
		t.Fatalf("v2 reading v1: %+v", got)
	}
}
