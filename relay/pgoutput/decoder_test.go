package pgoutput

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
)

func TestDecodeTransaction(t *testing.T) {
	d := NewDecoder()
	// Columns in another order plus an extra one: mapping is by name.
	cols := append([]string{"extra"}, eventColumns...)
	cols[1], cols[10] = cols[10], cols[1]
	m, err := d.Decode(relationMsg(16384, "public", "events", cols...))
	if err != nil {
		t.Fatal(err)
	}
	if rel := m.(Relation); !rel.IsEvents || rel.Name != "events" {
		t.Fatalf("relation = %+v", rel)
	}
	vals := append([][]byte{nil}, eventValues()...)
	vals[1], vals[10] = vals[10], vals[1]

	m, err = d.Decode(beginMsg(0x16B374D848, 1_000_000, 7))
	if err != nil {
		t.Fatal(err)
	}
	if b := m.(Begin); b.FinalLSN != pglogrepl.LSN(0x16B374D848) || b.Xid != 7 || !b.CommitTime.Equal(time.Date(2000, 1, 1, 0, 0, 1, 0, time.UTC)) {
		t.Fatalf("begin = %+v", b)
	}
	msg := insertMsg(16384, vals...)
	m, err = d.Decode(msg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range msg {
		msg[i] = 0 // the event must not alias the message buffer
	}
	e := m.(Insert).Event
	if e.EventID != "0193a0b2-7c4e-7d2a-9f10-1234567890ab" || e.AggregateType != "user" || e.Revision != 3 ||
		e.SchemaVersion != 2 || e.GlobalPosition != 42 || e.EventType != "UserCreated" {
		t.Fatalf("event = %+v", e)
	}
	if want := time.Date(2026, 11, 25, 10, 0, 0, 123456000, time.UTC); !e.RecordedAt.Equal(want) {
		t.Fatalf("recorded_at = %v, want %v", e.RecordedAt, want)
	}
	if string(e.Data[:12]) != `{"username":` {
		t.Fatalf("data = %s", e.Data)
	}
	m, err = d.Decode(commitMsg(10, 20, 2_000_000))
	if err != nil {
		t.Fatal(err)
	}
	if c := m.(Commit); c.CommitLSN != 10 || c.EndLSN != 20 {
		t.Fatalf("commit = %+v", c)
	}
}

func TestDecodeOtherRelationIsSkipped(t *testing.T) {
	d := NewDecoder()
	if _, err := d.Decode(relationMsg(1, "public", "other", "id", "name")); err != nil {
		t.Fatal(err)
	}
	m, err := d.Decode(insertMsg(1, []byte("1"), []byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(Skip); !ok {
		t.Fatalf("got %T, want Skip", m)
	}
}

func TestDecodeErrors(t *testing.T) {
	d := NewDecoder()
	if _, err := d.Decode(relationMsg(1, "public", "events", eventColumns...)); err != nil {
		t.Fatal(err)
	}
	nullRow := eventValues()
	nullRow[3] = nil
	badTime := eventValues()
	badTime[6] = []byte("infinity")
	cases := []struct {
		name string
		msg  []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"short begin", []byte{'B', 1, 2}, ErrMalformed},
		{"short commit", commitMsg(1, 2, 3)[:10], ErrMalformed},
		{"unknown type", []byte{'z'}, ErrMalformed},
		{"update", []byte{'U', 0, 0, 0, 1}, ErrUnexpected},
		{"stream start", []byte{'S'}, ErrUnexpected},
		{"unknown relation", insertMsg(9, eventValues()...), ErrUnexpected},
		{"wrong column count", insertMsg(1, eventValues()[:3]...), ErrMalformed},
		{"truncated tuple", insertMsg(1, eventValues()...)[:40], ErrMalformed},
		{"null revision", insertMsg(1, nullRow...), ErrBadRow},
		{"bad time", insertMsg(1, badTime...), ErrBadRow},
		{"relation without NUL", []byte{'R', 0, 0, 0, 1, 'p'}, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := d.Decode(c.msg)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestParseTimestamptz(t *testing.T) {
	cases := map[string]time.Time{
		"2026-11-25 10:00:00+00":           time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
		"2026-11-25 10:00:00.5+01":         time.Date(2026, 11, 25, 9, 0, 0, 5e8, time.UTC),
		"2026-11-25 10:00:00.000001+05:30": time.Date(2026, 11, 25, 4, 30, 0, 1000, time.UTC),
		"1900-01-01 00:00:00-00:17:30":     time.Date(1900, 1, 1, 0, 17, 30, 0, time.UTC),
		"0099-01-01 00:00:00+00 BC":        time.Date(-98, 1, 1, 0, 0, 0, 0, time.UTC), // 1 BC is year 0
	}
	for in, want := range cases {
		got, err := ParseTimestamptz([]byte(in))
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "infinity", "2026-11-25 10:00:00", "2026-11-25 10:00:00+1", "2026-11-25 10:00:00+01:3x", "-infinity", "2026-13-01 00:00:00+00"} {
		if _, err := ParseTimestamptz([]byte(in)); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
	if _, err := ParseTimestamptz(nil); err == nil {
		t.Error("NULL parsed")
	}
}

// BenchmarkParseTimestamptz: one call per relayed event (recorded_at).
func BenchmarkParseTimestamptz(b *testing.B) {
	in := []byte("2026-11-25 10:00:00.123456+00")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTimestamptz(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeInsert is the relay's per-event decoding of an events row.
func BenchmarkDecodeInsert(b *testing.B) {
	d := NewDecoder()
	if _, err := d.Decode(relationMsg(16384, "public", "events", eventColumns...)); err != nil {
		b.Fatal(err)
	}
	msg := insertMsg(16384, eventValues()...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}
