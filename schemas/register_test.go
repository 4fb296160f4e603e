package schemas

import (
	"context"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

const testTopic = "recall.user.events"

func newFakeRegistry(t *testing.T) (*srfake.Registry, *sr.Client) {
	t.Helper()
	fake := srfake.New()
	t.Cleanup(fake.Close)
	cl, err := sr.NewClient(sr.URLs(fake.URL()))
	if err != nil {
		t.Fatal(err)
	}
	return fake, cl
}

func TestRegisterInCatalogOrder(t *testing.T) {
	ctx := context.Background()
	fake, cl := newFakeRegistry(t)
	reg, err := Register(ctx, cl, testTopic)
	if err != nil {
		t.Fatal(err)
	}
	cat := Catalog()
	if len(reg.Entries) != len(cat) {
		t.Fatalf("%d entries, want %d", len(reg.Entries), len(cat))
	}
	seen := map[int]bool{}
	for i, r := range reg.Entries {
		if r.EventType != cat[i].EventType || r.Version != cat[i].Version {
			t.Errorf("entry %d is %s, want %s v%d", i, r.EventType, cat[i].EventType, cat[i].Version)
		}
		if want := testTopic + "-" + cat[i].FullName; r.Subject != want {
			t.Errorf("subject %q, want %q", r.Subject, want)
		}
		if seen[r.ID] {
			t.Errorf("id %d handed out twice", r.ID)
		}
		seen[r.ID] = true
		id, err := reg.ID(r.EventType, r.Version)
		if err != nil || id != r.ID {
			t.Errorf("ID(%s, %d) = %d, %v; want %d", r.EventType, r.Version, id, err, r.ID)
		}
		got, ok := fake.GetSchema(r.Subject, r.SubjectVersion)
		if !ok || got.ID != r.ID || got.Schema.Schema != r.Text {
			t.Errorf("registry has %+v for %s v%d", got, r.Subject, r.SubjectVersion)
		}
	}
	// UserCreated's two versions are versions 1 and 2 of one subject.
	v1, v2 := reg.Entries[2], reg.Entries[3]
	if v1.Subject != v2.Subject || v1.SubjectVersion != 1 || v2.SubjectVersion != 2 {
		t.Errorf("UserCreated: %s v%d and %s v%d", v1.Subject, v1.SubjectVersion, v2.Subject, v2.SubjectVersion)
	}
	for _, res := range cl.Compatibility(ctx, v1.Subject) {
		if res.Err != nil || res.Level != sr.CompatBackwardTransitive {
			t.Errorf("compatibility of %s: %v %v", v1.Subject, res.Level, res.Err)
		}
	}
	if _, err := reg.ID("UserCreated", 9); !errors.Is(err, ErrUnknownSchema) {
		t.Errorf("ID of unregistered: %v", err)
	}
}

func TestRegisterIsStableAndIdempotent(t *testing.T) {
	ctx := context.Background()
	_, cl1 := newFakeRegistry(t)
	_, cl2 := newFakeRegistry(t)
	a, err := Register(ctx, cl1, testTopic)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Register(ctx, cl1, testTopic)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Register(ctx, cl2, testTopic)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Entries {
		if a.Entries[i].ID != again.Entries[i].ID || a.Entries[i].ID != fresh.Entries[i].ID {
			t.Errorf("entry %d: ids %d, %d (again), %d (fresh registry)", i, a.Entries[i].ID, again.Entries[i].ID, fresh.Entries[i].ID)
		}
	}
}

func TestRegisterFailsOnDeadRegistry(t *testing.T) {
	fake, cl := newFakeRegistry(t)
	fake.Close()
	if _, err := Register(context.Background(), cl, testTopic); !errors.Is(err, ErrRegistry) {
		t.Fatalf("err = %v, want ErrRegistry", err)
	}
}

func TestDecoderThroughRegistry(t *testing.T) {
	ctx := context.Background()
	_, cl := newFakeRegistry(t)
	reg, err := Register(ctx, cl, testTopic)
	if err != nil {
		t.Fatal(err)
	}
	dec := NewDecoder(cl)
	for _, s := range Catalog() {
		in := sampleEvent(t, s.EventType, s.Version)
		value, err := reg.AppendValue(nil, in)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second time from the cache
			out, err := dec.Decode(ctx, value)
			if err != nil {
				t.Fatalf("%s v%d: %v", s.EventType, s.Version, err)
			}
			assertEventEqual(t, out, in)
		}
	}
	if _, err := dec.Decode(ctx, Frame(424242, nil)); !errors.Is(err, ErrRegistry) {
		t.Errorf("unknown id: %v, want ErrRegistry", err)
	}
	if _, err := dec.Decode(ctx, []byte{1, 2}); !errors.Is(err, ErrFraming) {
		t.Errorf("short value: %v, want ErrFraming", err)
	}
	bad := sampleEvent(t, "RoleChanged", 1)
	bad.Data = []byte(`{}`)
	if out, err := reg.AppendValue([]byte("x"), bad); !errors.Is(err, ErrInvalidData) || string(out) != "x" {
		t.Errorf("AppendValue of invalid data: %q, %v", out, err)
	}
}

func TestDecoderRefusesForeignSchema(t *testing.T) {
	ctx := context.Background()
	fake, cl := newFakeRegistry(t)
	id, _, err := fake.RegisterSchema("other-value", sr.Schema{Schema: `{"type":"record","name":"Other","fields":[{"name":"a","type":"string"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewDecoder(cl).Decode(ctx, Frame(id, []byte{0})); !errors.Is(err, ErrUnsupportedSchema) {
		t.Fatalf("err = %v, want ErrUnsupportedSchema", err)
	}
}
