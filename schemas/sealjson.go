package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Sealing and opening rewrite a few top-level string members of a small JSON object
// and copy the rest. Decoding the object into a map and marshalling it back cost ten
// times the AES-GCM work itself (BenchmarkOpenUpdated), so the object is scanned once,
// in place: the scanner validates as strictly as json.Valid (the input comes from Kafka
// or a request: nothing is trusted; FuzzObjectMembers holds it to json.Valid) and finds
// the members. The result is what the map round trip gave, member for member: a
// duplicated key keeps its last value only (encoding/json's rule for maps), a renamed
// member replaces any member already carrying the new name, `null` stays `null`; only
// the order of members (the input's, not sorted) and insignificant whitespace differ.

// member is one top-level member of an object: raw[start:end] is `"key" : value`,
// raw[vstart:end] the value; key is the key's raw bytes between the quotes.
type member struct {
	key        []byte
	escaped    bool // key holds a backslash escape or invalid UTF-8: compare it unquoted
	start, end int
	vstart     int
	drop       bool   // not copied: a later duplicate or a renamed member's old name
	rename     string // written under this name instead
	value      []byte // replacement value, when set
}

// maxDepth is encoding/json's nesting limit, so both accept the same documents.
const maxDepth = 10000

// objectMembers validates raw and lists the members of the object it holds; isNull
// reports raw being `null` (no members, copied as is). Anything else, and any JSON
// json.Valid refuses, is ErrInvalidData.
func objectMembers(raw []byte, buf []member) (ms []member, isNull bool, err error) {
	bad := func(i int) ([]member, bool, error) {
		return nil, false, fmt.Errorf("%w: invalid JSON at byte %d of %d", ErrInvalidData, i, len(raw))
	}
	i := skipSpace(raw, 0)
	if i < len(raw) && raw[i] == 'n' {
		end, ok := scanValue(raw, i, 0)
		if !ok || skipSpace(raw, end) != len(raw) {
			return bad(end)
		}
		return nil, true, nil
	}
	if i >= len(raw) || raw[i] != '{' {
		if _, ok := scanValue(raw, i, 0); !ok {
			return bad(i)
		}
		return nil, false, fmt.Errorf("%w: not a JSON object", ErrInvalidData)
	}
	ms = buf[:0]
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		if skipSpace(raw, i+1) != len(raw) {
			return bad(i + 1)
		}
		return ms, false, nil
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return bad(i)
		}
		m := member{start: i}
		end, escaped, ok := scanString(raw, i)
		if !ok {
			return bad(i)
		}
		m.key = raw[i+1 : end-1]
		// Invalid UTF-8 in a key decodes to U+FFFD, as an escape would change it: either
		// way the key is compared unquoted, as encoding/json would see it.
		m.escaped = escaped || !utf8.Valid(m.key)
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return bad(i)
		}
		i = skipSpace(raw, i+1)
		m.vstart = i
		if i, ok = scanValue(raw, i, 1); !ok {
			return bad(m.vstart)
		}
		m.end = i
		ms = append(ms, m)
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return bad(i)
		}
		switch raw[i] {
		case '}':
			if skipSpace(raw, i+1) != len(raw) {
				return bad(i + 1)
			}
			return ms, false, nil
		case ',':
			i = skipSpace(raw, i+1)
		default:
			return bad(i)
		}
	}
}

// scanString returns the index after the string starting at raw[i] (a quote), whether
// it holds an escape, and whether it is a valid JSON string.
func scanString(raw []byte, i int) (end int, escaped, ok bool) {
	for i++; i < len(raw); i++ {
		// Bytes of 0x80 and above are valid in a string here, as for json.Valid.
		for i < len(raw) && (jsonPlain[raw[i]] || raw[i] >= utf8.RuneSelf) {
			i++
		}
		if i == len(raw) {
			break
		}
		switch c := raw[i]; {
		case c == '"':
			return i + 1, escaped, true
		case c < 0x20:
			return i, escaped, false
		case c == '\\':
			escaped = true
			i++
			if i >= len(raw) {
				return i, escaped, false
			}
			switch raw[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(raw) {
					return i, escaped, false
				}
				for _, h := range raw[i+1 : i+5] {
					if !isHex(h) {
						return i, escaped, false
					}
				}
				i += 4
			default:
				return i, escaped, false
			}
		}
	}
	return i, escaped, false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanValue returns the index after the JSON value starting at raw[i], and whether it
// is valid; depth counts the containers around it.
func scanValue(raw []byte, i, depth int) (int, bool) {
	if i >= len(raw) {
		return i, false
	}
	switch c := raw[i]; {
	case c == '"':
		end, _, ok := scanString(raw, i)
		return end, ok
	case c == '{' || c == '[':
		if depth+1 > maxDepth {
			return i, false
		}
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		i = skipSpace(raw, i+1)
		if i < len(raw) && raw[i] == closer {
			return i + 1, true
		}
		for {
			var ok bool
			if c == '{' {
				if i >= len(raw) || raw[i] != '"' {
					return i, false
				}
				if i, _, ok = scanString(raw, i); !ok {
					return i, false
				}
				i = skipSpace(raw, i)
				if i >= len(raw) || raw[i] != ':' {
					return i, false
				}
				i = skipSpace(raw, i+1)
			}
			if i, ok = scanValue(raw, i, depth+1); !ok {
				return i, false
			}
			i = skipSpace(raw, i)
			if i >= len(raw) {
				return i, false
			}
			switch raw[i] {
			case closer:
				return i + 1, true
			case ',':
				i = skipSpace(raw, i+1)
			default:
				return i, false
			}
		}
	case c == '-' || isDigit(c):
		return scanNumber(raw, i)
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(raw)-i >= len(lit) && string(raw[i:i+len(lit)]) == lit {
				return i + len(lit), true
			}
		}
		return i, false
	}
}

// scanNumber scans a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(raw []byte, i int) (int, bool) {
	if raw[i] == '-' {
		i++
	}
	switch {
	case i < len(raw) && raw[i] == '0':
		i++
	case i < len(raw) && isDigit(raw[i]):
		for i < len(raw) && isDigit(raw[i]) {
			i++
		}
	default:
		return i, false
	}
	if i < len(raw) && raw[i] == '.' {
		i++
		if i >= len(raw) || !isDigit(raw[i]) {
			return i, false
		}
		for i < len(raw) && isDigit(raw[i]) {
			i++
		}
	}
	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		i++
		if i < len(raw) && (raw[i] == '+' || raw[i] == '-') {
			i++
		}
		if i >= len(raw) || !isDigit(raw[i]) {
			return i, false
		}
		for i < len(raw) && isDigit(raw[i]) {
			i++
		}
	}
	return i, true
}

// keyIs reports whether m's key is name.
func (m *member) keyIs(name string) bool {
	if !m.escaped {
		return string(m.key) == name
	}
	var k string
	// The key was validated by objectMembers: unquoting cannot fail.
	_ = json.Unmarshal(append(append([]byte{'"'}, m.key...), '"'), &k)
	return k == name
}

// lookup returns the member named name that counts (the last one), or nil; earlier
// duplicates are marked dropped, as a map would have overwritten them.
func lookup(ms []member, name string) *member {
	var found *member
	for i := range ms {
		if ms[i].keyIs(name) {
			if found != nil {
				found.drop = true
			}
			found = &ms[i]
		}
	}
	return found
}

// stringValue returns the string the member's value holds (a view of raw unless it
// has escapes), ok false when the value is not a string.
func (m *member) stringValue(raw []byte) (s []byte, ok bool) {
	v := raw[m.vstart:m.end]
	if len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	if bytes.IndexByte(v, '\\') >= 0 {
		var u string
		if json.Unmarshal(v, &u) != nil {
			return nil, false
		}
		return []byte(u), true
	}
	return v[1 : len(v)-1], true
}

func (m *member) isNull(raw []byte) bool { return string(raw[m.vstart:m.end]) == "null" }

// writeObject writes the object of ms, with their replacements, renames and drops.
func writeObject(raw []byte, ms []member, extra int) json.RawMessage {
	out := make([]byte, 0, len(raw)+extra)
	out = append(out, '{')
	first := true
	for i := range ms {
		m := &ms[i]
		if m.drop {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		switch {
		case m.rename != "":
			out = appendJSONString(out, m.rename)
			out = append(out, ':')
		case m.value != nil:
			out = append(out, raw[m.start:m.vstart]...)
		default:
			out = append(out, raw[m.start:m.end]...)
			continue
		}
		if m.value != nil {
			out = append(out, m.value...)
		} else {
			out = append(out, raw[m.vstart:m.end]...)
		}
	}
	return append(out, '}')
}
