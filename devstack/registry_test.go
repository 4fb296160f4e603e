package devstack

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

func TestRegistryRegisterAndFetch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cl, err := sr.NewClient(sr.URLs(r.URL()))
	if err != nil {
		t.Fatal(err)
	}
	const text = `{"type":"record","name":"Ping","namespace":"recall.test","fields":[{"name":"n","type":"long"}]}`
	subject := "recall.test.events-recall.test.Ping"
	created, err := cl.CreateSchema(ctx, subject, sr.Schema{Schema: text, Type: sr.TypeAvro})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cl.SchemaByID(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Schema != text {
		t.Fatalf("schema by id = %s", got.Schema)
	}
	byVersion, err := cl.SchemaByVersion(ctx, subject, created.Version)
	if err != nil || byVersion.ID != created.ID {
		t.Fatalf("schema by version: %+v, %v", byVersion, err)
	}
	if _, ok := r.Fake().GetSchema(subject, created.Version); !ok {
		t.Fatal("srfake does not hold the schema")
	}
}

func TestRegistryPortInUseAndClose(t *testing.T) {
	ctx := context.Background()
	r, err := StartRegistry(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := r.URL()[len("http://"):]
	if _, err := StartRegistry(ctx, addr); !errors.Is(err, ErrRegistry) {
		t.Fatalf("second registry on %s: %v, want ErrRegistry", addr, err)
	}
	r.Close()
	cl, err := sr.NewClient(sr.URLs(r.URL()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := cl.Subjects(ctx); err == nil {
		t.Fatal("registry still answers after Close")
	}
}
