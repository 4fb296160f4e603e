package pgoutput

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/recall-events/recall/schemas"
)

// mapRow turns the text values of one events row into an Event. Strings and JSON are
// copied: the tuple aliases a buffer the replication connection reuses.
func mapRow(cols *[numColumns]column) (schemas.Event, error) {
	for c := range numColumns {
		if cols[c].kind != 't' {
			return schemas.Event{}, fmt.Errorf("%w: column %s is %s", ErrBadRow, columnNames[c], kindName(cols[c].kind))
		}
	}
	var e schemas.Event
	var err error
	e.EventID = string(cols[colEventID].data)
	e.AggregateType = string(cols[colAggregateType].data)
	e.AggregateID = string(cols[colAggregateID].data)
	e.EventType = string(cols[colEventType].data)
	if e.Revision, err = parseInt(cols, colRevision, 64); err != nil {
		return e, err
	}
	v, err := parseInt(cols, colSchemaVersion, 32)
	if err != nil {
		return e, err
	}
	e.SchemaVersion = int(v)
	if e.GlobalPosition, err = parseInt(cols, colGlobalPosition, 64); err != nil {
		return e, err
	}
	if e.RecordedAt, err = ParseTimestamptz(cols[colRecordedAt].data); err != nil {
		return e, fmt.Errorf("%w: recorded_at: %w", ErrBadRow, err)
	}
	// One copy holds both JSON values (capacity cut, so neither can grow into the other).
	data, meta := cols[colData].data, cols[colMetadata].data
	both := append(append(make([]byte, 0, len(data)+len(meta)), data...), meta...)
	e.Data = json.RawMessage(both[:len(data):len(data)])
	e.Metadata = json.RawMessage(both[len(data):])
	return e, nil
}

func parseInt(cols *[numColumns]column, c, bits int) (int64, error) {
	v, err := strconv.ParseInt(string(cols[c].data), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %w", ErrBadRow, columnNames[c], err)
	}
	return v, nil
}

func kindName(k byte) string {
	switch k {
	case 'n':
		return "NULL"
	case 'u':
		return "an unchanged TOAST value"
	case 'b':
		return "binary (the relay asks for text)"
	case 0:
		return "missing"
	}
	return fmt.Sprintf("of kind 0x%02x", k)
}

// textTimestamptz is pgx's decoder of timestamptz in text format, planned once: a
// stateless plan, safe for concurrent use.
var textTimestamptz = pgtype.NewMap().PlanScan(pgtype.TimestamptzOID, pgtype.TextFormatCode, (*pgtype.Timestamptz)(nil))

// ParseTimestamptz parses timestamptz as PostgreSQL prints it in text
// ("2026-11-25 10:00:00.123456+00", offsets also as +05:30 or +05:30:15), with
// pgx's pgtype, and returns it in UTC. The relay asks for DateStyle=ISO and
// TimeZone=UTC, but any zone the server prints parses; ±infinity is refused.
func ParseTimestamptz(b []byte) (time.Time, error) {
	var ts pgtype.Timestamptz
	if err := textTimestamptz.Scan(b, &ts); err != nil {
		return time.Time{}, err
	}
	if !ts.Valid || ts.InfinityModifier != pgtype.Finite {
		return time.Time{}, fmt.Errorf("%q is not a finite timestamptz", b)
	}
	return ts.Time.UTC(), nil
}
