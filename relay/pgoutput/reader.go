package pgoutput

import (
	"encoding/binary"
	"fmt"
)

// reader walks a message body; every read checks the remaining length first, so no
// input can make it index out of range. The first failure sticks in err.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string, need int) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s needs %d bytes, %d left", ErrMalformed, what, need, len(r.b))
	}
	r.b = nil
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil || n < 0 || len(r.b) < n {
		r.fail(what, n)
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8(what string) byte {
	b := r.take(1, what)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) u16(what string) uint16 {
	b := r.take(2, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func (r *reader) u32(what string) uint32 {
	b := r.take(4, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (r *reader) u64(what string) uint64 {
	b := r.take(8, what)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// cstring reads a NUL-terminated string.
func (r *reader) cstring(what string) string {
	if r.err != nil {
		return ""
	}
	for i, c := range r.b {
		if c == 0 {
			s := string(r.b[:i])
			r.b = r.b[i+1:]
			return s
		}
	}
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s is not NUL-terminated", ErrMalformed, what)
	}
	r.b = nil
	return ""
}
