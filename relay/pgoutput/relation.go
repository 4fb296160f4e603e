package pgoutput

import (
	"fmt"
)

// The events table's columns, mapped by name so column order and added columns do not
// matter.
const (
	colEventID = iota
	colAggregateType
	colAggregateID
	colRevision
	colEventType
	colSchemaVersion
	colRecordedAt
	colData
	colMetadata
	colGlobalPosition
	numColumns
)

var columnNames = [numColumns]string{
	colEventID:        "event_id",
	colAggregateType:  "aggregate_type",
	colAggregateID:    "aggregate_id",
	colRevision:       "revision",
	colEventType:      "event_type",
	colSchemaVersion:  "schema_version",
	colRecordedAt:     "recorded_at",
	colData:           "data",
	colMetadata:       "metadata",
	colGlobalPosition: "global_position",
}

// relation is a cached Relation: for each tuple position, which event column it fills
// (-1 for none).
type relation struct {
	Relation
	ncols  int
	target []int
}

// maxColumns is PostgreSQL's limit on a table's columns; a larger count is corrupt input.
const maxColumns = 1664

func (d *Decoder) decodeRelation(r *reader) (Message, error) {
	rel := &relation{}
	rel.ID = r.u32("relation id")
	rel.Namespace = r.cstring("relation namespace")
	rel.Name = r.cstring("relation name")
	r.u8("replica identity")
	n := int(r.u16("relation column count"))
	if r.err != nil {
		return nil, r.err
	}
	if n > maxColumns {
		return nil, fmt.Errorf("%w: relation %s.%s has %d columns", ErrMalformed, rel.Namespace, rel.Name, n)
	}
	rel.ncols = n
	rel.target = make([]int, n)
	seen := 0
	for i := range n {
		r.u8("column flags")
		name := r.cstring("column name")
		r.u32("column type")
		r.u32("column type modifier")
		rel.target[i] = -1
		for c, want := range columnNames {
			if name == want && seen&(1<<c) == 0 {
				rel.target[i] = c
				seen |= 1 << c
			}
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	rel.IsEvents = seen == 1<<numColumns-1
	d.relations[rel.ID] = rel
	return rel.Relation, nil
}
