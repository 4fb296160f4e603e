package schemas

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// appendSimpleJSON writes a record of simple fields as a JSON object in
// schema field order, straight from goavro's native values. It exists for
// speed and for stable key order (goavro's own writer iterates a map).
func appendSimpleJSON(dst []byte, r subRecord, m map[string]any, omitEmpty bool) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	for i, name := range r.names {
		v := m[name]
		if u, ok := v.(map[string]any); ok && r.kinds[i] == kindNullableString {
			v = u["string"] // goavro's native union is {"string": value}
		}
		if omitEmpty && (v == nil || v == "") {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONString(dst, name)
		dst = append(dst, ':')
		switch x := v.(type) {
		case nil:
			dst = append(dst, "null"...)
		case string:
			dst = appendJSONString(dst, x)
		case bool:
			dst = strconv.AppendBool(dst, x)
		case int32:
			dst = strconv.AppendInt(dst, int64(x), 10)
		case int64:
			dst = strconv.AppendInt(dst, x, 10)
		default:
			return nil, fmt.Errorf("%w: field %s decoded to %T", ErrMalformed, name, v)
		}
	}
	return append(dst, '}'), nil
}

const hexDigits = "0123456789abcdef"

// jsonPlain marks the bytes a JSON string holds as they are: printable ASCII other than
// the quote and the backslash. Quoting and scanning skip runs of them in one step: a
// sealed value (rcl1.…, base64url and dots) is nothing else, and it is most of the
// bytes of a sealed event.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString quotes s for JSON. Invalid UTF-8 (possible in a corrupt
// or foreign Avro string) becomes U+FFFD so the output is always valid JSON.
func appendJSONString[T string | []byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		run := i
		for run < len(s) && jsonPlain[s[run]] {
			run++
		}
		dst = append(dst, s[i:run]...)
		if i = run; i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			default: // another control character
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// IsUUID reports whether s is a UUID in the canonical 8-4-4-4-12 hex form,
// the only form Recall's ids take. The envelope's ids carry logicalType uuid,
// and strict readers (Java's Avro, for one) refuse anything else, so the
// encoder refuses it first; readers of Recall's ids check with the same rule.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// decodeFastRecord is the inverse of appendFastRecord: Avro binary of a flat
// record straight to JSON, without goavro's map[string]any.
func decodeFastRecord(b []byte, r subRecord, omitEmpty bool) (json.RawMessage, []byte, error) {
	out := make([]byte, 0, 16+len(b)+8*len(r.names))
	out = append(out, '{')
	first := true
	for f, k := range r.kinds {
		var str []byte
		null, isBool, boolV := false, false, false
		var err error
		switch k {
		case kindString:
			str, b, err = readBytes(b, r.names[f])
		case kindNullableString:
			var branch int64
			if branch, b, err = readLong(b, r.names[f]); err != nil {
				break
			}
			switch branch {
			case 0:
				null = true
			case 1:
				str, b, err = readBytes(b, r.names[f])
			default:
				err = fmt.Errorf("%w: field %s: union branch %d", ErrMalformed, r.names[f], branch)
			}
		case kindBoolean:
			isBool = true
			switch {
			case len(b) == 0:
				err = fmt.Errorf("%w: field %s: truncated", ErrMalformed, r.names[f])
			case b[0] > 1:
				err = fmt.Errorf("%w: field %s: boolean byte %d", ErrMalformed, r.names[f], b[0])
			default:
				boolV, b = b[0] == 1, b[1:]
			}
		}
		if err != nil {
			return nil, nil, err
		}
		if omitEmpty && !isBool && (null || len(str) == 0) {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = appendJSONString(out, r.names[f])
		out = append(out, ':')
		switch {
		case isBool:
			out = strconv.AppendBool(out, boolV)
		case null:
			out = append(out, "null"...)
		default:
			out = appendJSONString(out, str)
		}
	}
	return append(out, '}'), b, nil
}
