package schemas

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzDecode feeds arbitrary bytes to Unframe and Decode: they may refuse,
// never panic, and whatever they accept comes back as valid JSON.
func FuzzDecode(f *testing.F) {
	for _, s := range Catalog() {
		b, err := Encode(sampleEvent(f, s.EventType, s.Version))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(Frame(1, b))
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(e Event, err error) {
			if err != nil {
				return
			}
			if !json.Valid(e.Data) || !json.Valid(e.Metadata) {
				t.Fatalf("decoded invalid JSON: data %q metadata %q", e.Data, e.Metadata)
			}
		}
		check(Decode(b))
		if _, payload, err := Unframe(b); err == nil {
			check(Decode(payload))
		}
		c, err := CodecFor("UserUpdated", 1)
		if err != nil {
			t.Fatal(err)
		}
		check(c.Decode(b))
	})
}

// FuzzValidate feeds arbitrary JSON to Validate: it may refuse, never panic,
// and data it accepts must encode and decode back to equal JSON.
func FuzzValidate(f *testing.F) {
	cat := Catalog()
	for i, s := range cat {
		f.Add(uint8(i), []byte(sampleData[schemaKey{s.EventType, s.Version}]))
	}
	f.Add(uint8(0), []byte(`{"reset_by_admin":1}`))
	f.Add(uint8(6), []byte(`{"first_name":null,"last_name":"\u0000\ud800","email":null}`))
	f.Add(uint8(3), []byte(`{"username":"a","email":"e","role":"r","first_name":"é\"\\"}`))
	f.Fuzz(func(t *testing.T, pick uint8, data []byte) {
		s := cat[int(pick)%len(cat)]
		if c, err := CodecFor(s.EventType, s.Version); err == nil && utf8.Valid(data) {
			checkFastAgainstGoavro(t, c.l.data, data)
		}
		if err := Validate(s.EventType, s.Version, data); err != nil {
			return
		}
		e := sampleEvent(t, s.EventType, s.Version)
		e.Data = data
		b, err := Encode(e)
		if err != nil {
			t.Fatalf("validated data does not encode: %v", err)
		}
		out, err := Decode(b)
		if err != nil {
			t.Fatalf("encoded data does not decode: %v", err)
		}
		if err := Validate(s.EventType, s.Version, out.Data); err != nil {
			t.Fatalf("decoded data %s does not validate: %v", out.Data, err)
		}
	})
}
