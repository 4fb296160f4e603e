package pgoutput

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

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
	e.Data = json.RawMessage(clone(cols[colData].data))
	e.Metadata = json.RawMessage(clone(cols[colMetadata].data))
	return e, nil
}

func parseInt(cols *[numColumns]column, c, bits int) (int64, error) {
	v, err := strconv.ParseInt(string(cols[c].data), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %w", ErrBadRow, columnNames[c], err)
	}
	return v, nil
}

func clone(b []byte) []byte { return append(make([]byte, 0, len(b)), b...) }

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

// ParseTimestamptz parses timestamptz in PostgreSQL's ISO output style
// ("2026-11-25 10:00:00.123456+00", offsets also as +05:30 or +05:30:15). The relay
// asks for DateStyle=ISO and TimeZone=UTC, but any zone the server prints parses.
func ParseTimestamptz(b []byte) (time.Time, error) {
	const base = len("2006-01-02 15:04:05")
	s := string(b)
	i := base
	for i < len(s) && s[i] != '+' && s[i] != '-' {
		i++
	}
	if len(s) < base || i == len(s) {
		return time.Time{}, fmt.Errorf("%q is not an ISO timestamptz", s)
	}
	t, err := time.Parse("2006-01-02 15:04:05.999999999", s[:i])
	if err != nil {
		return time.Time{}, err
	}
	off, err := parseOffset(s[i:])
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: %w", s, err)
	}
	return t.Add(-off).UTC(), nil
}

// parseOffset parses ±hh, ±hh:mm or ±hh:mm:ss.
func parseOffset(s string) (time.Duration, error) {
	sign := time.Duration(1)
	if s[0] == '-' {
		sign = -1
	}
	var d time.Duration
	units := []time.Duration{time.Hour, time.Minute, time.Second}
	rest := s[1:]
	for k := 0; k < len(units); k++ {
		if len(rest) < 2 || rest[0] < '0' || rest[0] > '9' || rest[1] < '0' || rest[1] > '9' {
			return 0, fmt.Errorf("bad zone offset %q", s)
		}
		d += time.Duration(rest[0]-'0')*10*units[k] + time.Duration(rest[1]-'0')*units[k]
		rest = rest[2:]
		if rest == "" {
			return sign * d, nil
		}
		if rest[0] != ':' {
			break
		}
		rest = rest[1:]
	}
	return 0, fmt.Errorf("bad zone offset %q", s)
}
