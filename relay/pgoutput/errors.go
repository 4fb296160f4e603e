package pgoutput

import "errors"

var (
	// ErrMalformed: bytes that are not a well-formed pgoutput message (short, bad
	// length, unknown tuple kind).
	ErrMalformed = errors.New("pgoutput: malformed message")
	// ErrUnexpected: a well-formed message the relay cannot handle in its place, e.g. an
	// insert into a relation never announced, an update on the insert-only publication, or
	// a streamed (protocol 2) message.
	ErrUnexpected = errors.New("pgoutput: unexpected message")
	// ErrBadRow: an events row whose columns cannot form an event (NULL, unparsable).
	ErrBadRow = errors.New("pgoutput: events row cannot be mapped")
)
