package schemas

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

// handFramed is the frame header as schemas wrote it by hand before it used
// sr.ConfluentHeader: the reference the Kafka bytes must keep matching.
func handFramed(id int, avro []byte) []byte {
	b := binary.BigEndian.AppendUint32([]byte{0}, uint32(id))
	return append(b, avro...)
}

func TestFrameRoundTrip(t *testing.T) {
	for _, id := range []int{0, 1, 255, 256, 1 << 24, 1<<31 - 1} {
		framed := Frame(id, []byte("avro"))
		gotID, payload, err := Unframe(framed)
		if err != nil || gotID != id || string(payload) != "avro" {
			t.Errorf("id %d: got (%d, %q, %v)", id, gotID, payload, err)
		}
	}
	if got, want := Frame(0x01020304, []byte{0xAA}), []byte{0, 1, 2, 3, 4, 0xAA}; !bytes.Equal(got, want) {
		t.Errorf("Frame = %x, want %x", got, want)
	}
}

// TestFrameBytesUnchanged: moving to sr.ConfluentHeader must not change one
// byte of what the relay produces, for every event type and a spread of ids.
func TestFrameBytesUnchanged(t *testing.T) {
	reg := Registered{Topic: "recall.user.events", ids: map[schemaKey]int{}}
	for i, s := range Catalog() {
		reg.ids[schemaKey{s.EventType, s.Version}] = []int{1, 255, 256, 65537, 1 << 24, 1<<31 - 1, 7}[i%7]
	}
	for _, s := range Catalog() {
		e := sampleEvent(t, s.EventType, s.Version)
		avro, err := Encode(e)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := reg.ID(s.EventType, s.Version)
		want := handFramed(id, avro)
		got, err := reg.AppendValue(nil, e)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s v%d: AppendValue = %x, want %x", s.EventType, s.Version, got, want)
		}
		if lib, _ := new(sr.ConfluentHeader).AppendEncode(nil, id, nil); !bytes.Equal(lib, want[:HeaderSize]) {
			t.Errorf("%s v%d: sr header %x, want %x", s.EventType, s.Version, lib, want[:HeaderSize])
		}
		if gotID, payload, err := Unframe(want); err != nil || gotID != id || !bytes.Equal(payload, avro) {
			t.Errorf("%s v%d: Unframe = (%d, %x, %v)", s.EventType, s.Version, gotID, payload, err)
		}
	}
}

func TestUnframeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"nil", nil},
		{"one byte", []byte{0}},
		{"four bytes", []byte{0, 0, 0, 1}},
		{"bad magic", []byte{1, 0, 0, 0, 1, 2}},
		{"json value", []byte(`{"event_id":1}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Unframe(tt.in)
			if !errors.Is(err, ErrFraming) || !errors.Is(err, sr.ErrBadHeader) {
				t.Fatalf("err = %v, want ErrFraming and sr.ErrBadHeader", err)
			}
		})
	}
	// A header alone is a valid frame with an empty payload.
	if id, p, err := Unframe([]byte{0, 0, 0, 0, 7}); err != nil || id != 7 || len(p) != 0 {
		t.Errorf("header only: (%d, %x, %v)", id, p, err)
	}
}
