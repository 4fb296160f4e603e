package pgoutput

import (
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to a decoder that has seen the events relation (so
// inserts reach the row mapping): it must never panic and every error must wrap one of
// the package's sentinels.
func FuzzDecode(f *testing.F) {
	f.Add(insertMsg(1, eventValues()...))
	f.Add(relationMsg(2, "public", "events", eventColumns...))
	f.Add(beginMsg(1, 2, 3))
	f.Add(commitMsg(1, 2, 3))
	f.Add([]byte{'I', 0, 0, 0, 1, 'N', 0, 10, 't', 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{'R', 0, 0, 0, 1, 0, 0, 'd', 0xff, 0xff})
	f.Fuzz(func(t *testing.T, msg []byte) {
		d := NewDecoder()
		if _, err := d.Decode(relationMsg(1, "public", "events", eventColumns...)); err != nil {
			t.Fatal(err)
		}
		m, err := d.Decode(msg)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnexpected) && !errors.Is(err, ErrBadRow) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if m == nil {
			t.Fatal("nil message without error")
		}
	})
}

// FuzzRow drives the tuple → event mapping with arbitrary column text.
func FuzzRow(f *testing.F) {
	v := eventValues()
	f.Add(v[3], v[5], v[6], v[9])
	f.Add([]byte("-1"), []byte("99999999999"), []byte("2026-11-25 10:00:00+99:99:99"), []byte(""))
	f.Fuzz(func(t *testing.T, revision, version, recordedAt, position []byte) {
		vals := eventValues()
		vals[3], vals[5], vals[6], vals[9] = revision, version, recordedAt, position
		d := NewDecoder()
		if _, err := d.Decode(relationMsg(1, "public", "events", eventColumns...)); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Decode(insertMsg(1, vals...)); err != nil && !errors.Is(err, ErrBadRow) {
			t.Fatalf("error is not ErrBadRow: %v", err)
		}
	})
}
