package pgoutput

import (
	"fmt"
)

// column is one event column's value in a tuple; data aliases the message.
type column struct {
	data []byte
	kind byte // 't' text, 'n' NULL, 'u' unchanged TOAST, 'b' binary; 0 when absent
}

func (d *Decoder) decodeInsert(r *reader) (Message, error) {
	id := r.u32("insert relation id")
	if tag := r.u8("insert tuple tag"); r.err == nil && tag != 'N' {
		return nil, fmt.Errorf("%w: insert tuple tag %q, want 'N'", ErrMalformed, tag)
	}
	if r.err != nil {
		return nil, r.err
	}
	rel, ok := d.relations[id]
	if !ok {
		return nil, fmt.Errorf("%w: insert into relation %d before its relation message", ErrUnexpected, id)
	}
	if !rel.IsEvents {
		return Skip{Kind: 'I'}, nil
	}
	if err := d.readTuple(r, rel); err != nil {
		return nil, err
	}
	e, err := mapRow(&d.cols)
	if err != nil {
		return nil, err
	}
	return Insert{Event: e}, nil
}

// readTuple fills d.cols from a TupleData whose layout rel announced.
func (d *Decoder) readTuple(r *reader, rel *relation) error {
	n := int(r.u16("tuple column count"))
	if r.err == nil && n != rel.ncols {
		return fmt.Errorf("%w: tuple of %s.%s has %d columns, relation announced %d", ErrMalformed, rel.Namespace, rel.Name, n, rel.ncols)
	}
	d.cols = [numColumns]column{}
	for i := 0; i < n && r.err == nil; i++ {
		kind := r.u8("tuple column kind")
		var data []byte
		switch kind {
		case 't', 'b':
			data = r.take(int(r.u32("tuple column length")), "tuple column value")
		case 'n', 'u':
		default:
			if r.err == nil {
				return fmt.Errorf("%w: tuple column %d has kind 0x%02x", ErrMalformed, i, kind)
			}
		}
		if c := rel.target[i]; c >= 0 {
			d.cols[c] = column{data: data, kind: kind}
		}
	}
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%w: %d bytes after the tuple", ErrMalformed, len(r.b))
	}
	return nil
}
