package schemas

import (
	"bytes"
	"errors"
	"testing"
)

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
			if _, _, err := Unframe(tt.in); !errors.Is(err, ErrFraming) {
				t.Fatalf("err = %v, want ErrFraming", err)
			}
		})
	}
	// A header alone is a valid frame with an empty payload.
	if id, p, err := Unframe([]byte{0, 0, 0, 0, 7}); err != nil || id != 7 || len(p) != 0 {
		t.Errorf("header only: (%d, %x, %v)", id, p, err)
	}
}
