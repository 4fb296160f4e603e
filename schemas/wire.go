package schemas

import (
	"encoding/binary"
	"fmt"
)

// Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian
// integer, then the Avro binary. Written by hand: five bytes do not need
// sr.Serde's registration of Go types.

// MagicByte opens every Confluent-framed value.
const MagicByte byte = 0

// HeaderSize is the length of the frame header.
const HeaderSize = 5

// AppendHeader appends the 5-byte frame header for schema id to dst.
func AppendHeader(dst []byte, id int) []byte {
	return binary.BigEndian.AppendUint32(append(dst, MagicByte), uint32(id))
}

// Frame returns avro framed with schema id.
func Frame(id int, avro []byte) []byte {
	return append(AppendHeader(make([]byte, 0, HeaderSize+len(avro)), id), avro...)
}

// Unframe splits a framed value into its schema id and Avro payload (which
// aliases value).
func Unframe(value []byte) (id int, avro []byte, err error) {
	if len(value) < HeaderSize {
		return 0, nil, fmt.Errorf("%w: %d bytes, need at least %d", ErrFraming, len(value), HeaderSize)
	}
	if value[0] != MagicByte {
		return 0, nil, fmt.Errorf("%w: magic byte 0x%02x, want 0x00", ErrFraming, value[0])
	}
	return int(binary.BigEndian.Uint32(value[1:HeaderSize])), value[HeaderSize:], nil
}
