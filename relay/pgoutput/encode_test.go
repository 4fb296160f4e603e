package pgoutput

import (
	"encoding/binary"
)

// Test helpers that write pgoutput messages the way the walsender does.

func relationMsg(id uint32, ns, name string, cols ...string) []byte {
	b := []byte{'R'}
	b = binary.BigEndian.AppendUint32(b, id)
	b = append(append(b, ns...), 0)
	b = append(append(b, name...), 0)
	b = append(b, 'd')
	b = binary.BigEndian.AppendUint16(b, uint16(len(cols)))
	for _, c := range cols {
		b = append(b, 0)
		b = append(append(b, c...), 0)
		b = binary.BigEndian.AppendUint32(b, 25)
		b = binary.BigEndian.AppendUint32(b, 0xffffffff)
	}
	return b
}

// insertMsg writes text values; a nil value is NULL.
func insertMsg(id uint32, vals ...[]byte) []byte {
	b := []byte{'I'}
	b = binary.BigEndian.AppendUint32(b, id)
	b = append(b, 'N')
	b = binary.BigEndian.AppendUint16(b, uint16(len(vals)))
	for _, v := range vals {
		if v == nil {
			b = append(b, 'n')
			continue
		}
		b = append(b, 't')
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	return b
}

func beginMsg(final uint64, micros uint64, xid uint32) []byte {
	b := []byte{'B'}
	b = binary.BigEndian.AppendUint64(b, final)
	b = binary.BigEndian.AppendUint64(b, micros)
	return binary.BigEndian.AppendUint32(b, xid)
}

func commitMsg(commit, end, micros uint64) []byte {
	b := []byte{'C', 0}
	b = binary.BigEndian.AppendUint64(b, commit)
	b = binary.BigEndian.AppendUint64(b, end)
	return binary.BigEndian.AppendUint64(b, micros)
}

var eventColumns = []string{"event_id", "aggregate_type", "aggregate_id", "revision", "event_type",
	"schema_version", "recorded_at", "data", "metadata", "global_position"}

func eventValues() [][]byte {
	return [][]byte{
		[]byte("0193a0b2-7c4e-7d2a-9f10-1234567890ab"), []byte("user"),
		[]byte("0193a0b2-7c4e-7d2a-9f10-abcdefabcdef"), []byte("3"), []byte("UserCreated"),
		[]byte("2"), []byte("2026-11-25 10:00:00.123456+00"),
		[]byte(`{"username":"ada","email":"ada@example.com","first_name":"Ada","last_name":"L","role":"user"}`),
		[]byte(`{"actor_id":"x","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}`),
		[]byte("42"),
	}
}
