package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// checkFastAgainstGoavro: whatever the fast path accepts, goavro accepts and
// encodes to the same bytes, and both decoders give equal JSON back; what it
// refuses, goavro refuses too unless it is not valid JSON.
func checkFastAgainstGoavro(t *testing.T, r subRecord, text []byte) {
	t.Helper()
	fast, errFast := appendFastRecord(nil, r, text)
	slow, errSlow := appendGoavroRecord(nil, r, text)
	if errFast != nil {
		// Stricter than goavro only where the input is not JSON at all
		// (goavro takes raw control characters in strings, RFC 8259 does
		// not) or escapes a lone UTF-16 surrogate, which has no UTF-8 form.
		if errSlow == nil && json.Valid(text) && !strings.Contains(errFast.Error(), "lone UTF-16 surrogate") {
			t.Fatalf("fast path refuses %q (%v), goavro accepts", text, errFast)
		}
		return
	}
	if errSlow != nil {
		t.Fatalf("fast path accepts %q, goavro refuses: %v", text, errSlow)
	}
	if !bytes.Equal(fast, slow) {
		t.Fatalf("%q: fast %x, goavro %x", text, fast, slow)
	}
	for _, omit := range []bool{false, true} {
		a, restA, errA := decodeFastRecord(fast, r, omit)
		b, restB, errB := decodeGoavroRecord(fast, r, omit)
		if errA != nil || errB != nil || len(restA) != 0 || len(restB) != 0 {
			t.Fatalf("decode %x: %v / %v", fast, errA, errB)
		}
		if omit {
			continue // goavro's writer keeps nulls; compare the full form only
		}
		if !jsonEqual(t, a, b) {
			t.Fatalf("decode %q: fast %s, goavro %s", text, a, b)
		}
	}
}

func TestFastPathMatchesGoavro(t *testing.T) {
	inputs := []string{
		`{"first_name":"a\"b\\c\/d\b\f\n\r\t","last_name":"\u00e9\u2028\ud83d\ude00","email":null}`,
		`{"first_name":"\ud800","last_name":"x\ud800y","email":"\udc00\ud800"}`,
		`{"email":null,"last_name":null,"first_name":null}`,
		` { "first_name" : "" , "last_name" : "" , "email" : "" } `,
		`{"first_name":"a","last_name":"b"}`,
		"{\"first_name\":\"tab\there\",\"last_name\":null,\"email\":null}",
	}
	for _, s := range Catalog() {
		c, err := CodecFor(s.EventType, s.Version)
		if err != nil {
			t.Fatal(err)
		}
		if !c.l.meta.fast || !c.l.data.fast {
			t.Errorf("%s v%d is not on the fast path", s.EventType, s.Version)
		}
		t.Run(fmt.Sprintf("%s_v%d", s.EventType, s.Version), func(t *testing.T) {
			checkFastAgainstGoavro(t, c.l.data, []byte(sampleData[schemaKey{s.EventType, s.Version}]))
			checkFastAgainstGoavro(t, c.l.meta, []byte(fullMetadata))
			checkFastAgainstGoavro(t, c.l.meta, []byte(`{}`))
			for _, in := range inputs {
				checkFastAgainstGoavro(t, c.l.data, []byte(in))
			}
		})
	}
}
