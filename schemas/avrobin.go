package schemas

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The envelope is written and read by hand with these primitives: it is the
// same ten fields in every schema, and skipping goavro's map[string]any for it
// is most of what makes the codec fast. Avro binary: int and long are zig-zag
// varints, a string is its length (a long) then its UTF-8 bytes.

func appendLong(dst []byte, v int64) []byte {
	return binary.AppendUvarint(dst, uint64(v<<1)^uint64(v>>63))
}

func appendString(dst []byte, s string) []byte {
	dst = appendLong(dst, int64(len(s)))
	return append(dst, s...)
}

func readLong(b []byte, field string) (int64, []byte, error) {
	u, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, fmt.Errorf("%w: field %s: truncated or overlong varint", ErrMalformed, field)
	}
	return int64(u>>1) ^ -int64(u&1), b[n:], nil
}

func readInt(b []byte, field string) (int, []byte, error) {
	v, rest, err := readLong(b, field)
	if err != nil {
		return 0, nil, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, nil, fmt.Errorf("%w: field %s: %d overflows an Avro int", ErrMalformed, field, v)
	}
	return int(v), rest, nil
}

func readString(b []byte, field string) (string, []byte, error) {
	s, rest, err := readBytes(b, field)
	return string(s), rest, err
}

// readBytes reads a string or bytes value; the result aliases b.
func readBytes(b []byte, field string) ([]byte, []byte, error) {
	n, rest, err := readLong(b, field)
	if err != nil {
		return nil, nil, err
	}
	if n < 0 || n > int64(len(rest)) {
		return nil, nil, fmt.Errorf("%w: field %s: string length %d with %d bytes left", ErrMalformed, field, n, len(rest))
	}
	return rest[:n], rest[n:], nil
}
