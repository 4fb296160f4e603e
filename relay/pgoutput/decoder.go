package pgoutput

import (
	"fmt"

	"github.com/jackc/pglogrepl"
)

// Decoder decodes pgoutput messages of one replication stream. It keeps the relations the
// stream announced, so one Decoder serves one stream and is not safe for concurrent use.
type Decoder struct {
	relations map[uint32]*relation
	cols      [numColumns]column // reused for every insert
}

// NewDecoder returns a Decoder with an empty relation cache.
func NewDecoder() *Decoder {
	return &Decoder{relations: map[uint32]*relation{}}
}

// Decode decodes one message (the WALData of an XLogData). The returned Insert holds
// copies of what it needs, so msg may be reused once Decode returns.
func (d *Decoder) Decode(msg []byte) (Message, error) {
	if len(msg) == 0 {
		return nil, fmt.Errorf("%w: empty message", ErrMalformed)
	}
	r := &reader{b: msg[1:]}
	switch kind := msg[0]; kind {
	case 'B':
		return decodeBegin(r)
	case 'C':
		return decodeCommit(r)
	case 'R':
		return d.decodeRelation(r)
	case 'I':
		return d.decodeInsert(r)
	case 'Y', 'O', 'M':
		return Skip{Kind: kind}, nil
	case 'U', 'D', 'T':
		return nil, fmt.Errorf("%w: %q on an insert-only publication", ErrUnexpected, kind)
	case 'S', 'E', 'c', 'A':
		return nil, fmt.Errorf("%w: streamed-transaction message %q (the relay asks for protocol 1)", ErrUnexpected, kind)
	default:
		return nil, fmt.Errorf("%w: unknown message type 0x%02x", ErrMalformed, kind)
	}
}

func decodeBegin(r *reader) (Message, error) {
	m := Begin{
		FinalLSN:   pglogrepl.LSN(r.u64("begin final LSN")),
		CommitTime: pgTime(r.u64("begin commit time")),
		Xid:        r.u32("begin xid"),
	}
	return m, r.err
}

func decodeCommit(r *reader) (Message, error) {
	r.u8("commit flags")
	m := Commit{
		CommitLSN:  pglogrepl.LSN(r.u64("commit LSN")),
		EndLSN:     pglogrepl.LSN(r.u64("commit end LSN")),
		CommitTime: pgTime(r.u64("commit time")),
	}
	return m, r.err
}
