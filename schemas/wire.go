package schemas

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"
)

// Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian
// integer, then the Avro binary. franz-go's sr.ConfluentHeader reads and
// writes it; this file only adds ErrFraming and keeps the names downstream
// teams already call.

// MagicByte opens every Confluent-framed value.
const MagicByte byte = 0

// HeaderSize is the length of the frame header.
const HeaderSize = 5

// confluent frames every value Recall writes and reads. Avro needs no
// message index, so the header is always HeaderSize bytes.
var confluent sr.ConfluentHeader

// AppendHeader appends the 5-byte frame header for schema id to dst.
//
// Deprecated: use sr.ConfluentHeader.AppendEncode(dst, id, nil), which
// writes the same bytes.
func AppendHeader(dst []byte, id int) []byte {
	return appendHeader(dst, id)
}

// appendHeader never fails: ConfluentHeader.AppendEncode's error is always
// nil.
func appendHeader(dst []byte, id int) []byte {
	out, _ := confluent.AppendEncode(dst, id, nil)
	return out
}

// Frame returns avro framed with schema id.
//
// Deprecated: use sr.ConfluentHeader.AppendEncode and append the Avro bytes;
// Registered.AppendValue builds a whole record value in one buffer.
func Frame(id int, avro []byte) []byte {
	return append(appendHeader(make([]byte, 0, HeaderSize+len(avro)), id), avro...)
}

// Unframe splits a framed value into its schema id and Avro payload (which
// aliases value). A value that is not Confluent-framed returns an error
// wrapping both ErrFraming and sr.ErrBadHeader.
func Unframe(value []byte) (id int, avro []byte, err error) {
	id, avro, err = confluent.DecodeID(value)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %d bytes: %w", ErrFraming, len(value), err)
	}
	return id, avro, nil
}
