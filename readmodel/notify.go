package readmodel

import (
	"strconv"
	"strings"
)

// A notification on NotifyChannel says what an applying transaction changed:
//
//	users_v1 0190a4c2-0000-7000-8000-000000000001:7 0190a4c2-0000-7000-8000-000000000002:1
//
// the table, then id:revision pairs separated by spaces. A payload that is the table name
// alone is table-wide: something changed, re-check every waiter (what a batch too large
// to list sends, and what every notification said before the pairs were added — readers
// of either format understand both, so replicas of two releases can run side by side).
// PostgreSQL refuses payloads of 8000 bytes or more, so a batch's pairs are split over
// several notifications of at most maxPayload bytes, and past maxNotifies of them the
// batch sends one table-wide notification instead.
const (
	maxPayload  = 7900
	maxNotifies = 8
)

// change is one row's new revision, as a notification carries it.
type change struct {
	id       string // canonical lower-case UUID
	revision int64
}

// notifyPayloads encodes changes of table as notification payloads; see above.
func notifyPayloads(table string, changes []change) []string {
	var out []string
	var b strings.Builder
	for _, c := range changes {
		pair := len(c.id) + 1 + len(strconv.FormatInt(c.revision, 10))
		if b.Len() > 0 && b.Len()+1+pair > maxPayload {
			out = append(out, b.String())
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(table)
		}
		b.WriteByte(' ')
		b.WriteString(c.id)
		b.WriteByte(':')
		b.WriteString(strconv.FormatInt(c.revision, 10))
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	if len(out) > maxNotifies {
		return []string{table}
	}
	return out
}

// notification is a parsed payload; tableWide when it lists no changes (or cannot be
// read: a payload this release does not understand is treated as "something changed").
type notification struct {
	table     string
	changes   []change
	tableWide bool
}

func parseNotification(payload string) notification {
	fields := strings.Fields(payload)
	if len(fields) == 0 {
		return notification{tableWide: true}
	}
	n := notification{table: fields[0], changes: make([]change, 0, len(fields)-1)}
	for _, f := range fields[1:] {
		id, rev, ok := strings.Cut(f, ":")
		r, err := strconv.ParseInt(rev, 10, 64)
		if !ok || err != nil || !isUUID(id) {
			return notification{table: n.table, tableWide: true}
		}
		n.changes = append(n.changes, change{id: strings.ToLower(id), revision: r})
	}
	n.tableWide = len(n.changes) == 0
	return n
}
