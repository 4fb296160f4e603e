package schemas

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The encoder's fast path: Recall's metadata and data records are flat
// objects of strings, nullable strings and booleans. For those, this file
// reads the JSON and writes Avro binary in one pass. goavro's
// standard-JSON reader decodes every union value through a fresh
// encoding/json.Decoder, which made encoding ~10x slower; records with any
// other field type still go through goavro. Tests check both paths agree
// byte for byte (TestFastPathMatchesGoavro, FuzzValidate).

// maxFastFields bounds the per-call field table kept on the stack.
const maxFastFields = 16

type fastDefault struct {
	ok    bool // the field has a default
	null  bool
	str   string
	boolV bool
}

type fieldValue struct {
	set  bool
	null bool
	str  []byte
	b    bool
}

// fastFields reports whether r can take the fast path and records each
// field's default. Defaults come from the schema text.
func fastDefaults(fields []json.RawMessage, kinds []fieldKind) ([]fastDefault, bool) {
	if len(kinds) > maxFastFields {
		return nil, false
	}
	defs := make([]fastDefault, len(kinds))
	for i, k := range kinds {
		if k != kindString && k != kindNullableString && k != kindBoolean {
			return nil, false
		}
		var f struct {
			Default json.RawMessage `json:"default"`
		}
		if json.Unmarshal(fields[i], &f) != nil {
			return nil, false
		}
		if f.Default == nil {
			continue
		}
		d := fastDefault{ok: true}
		switch {
		case string(f.Default) == "null" && k == kindNullableString:
			d.null = true
		case k == kindString:
			if json.Unmarshal(f.Default, &d.str) != nil {
				return nil, false
			}
		case k == kindBoolean:
			if json.Unmarshal(f.Default, &d.boolV) != nil {
				return nil, false
			}
		default:
			return nil, false // e.g. a string default on ["null","string"]: invalid Avro
		}
		defs[i] = d
	}
	return defs, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func invalidAt(text []byte, i int, what string) error {
	return fmt.Errorf("%w: %s at byte %d of %d", ErrInvalidData, what, i, len(text))
}

// appendFastRecord converts one flat JSON object to the Avro binary of r.
func appendFastRecord(dst []byte, r subRecord, text []byte) ([]byte, error) {
	var vals [maxFastFields]fieldValue
	i := skipSpace(text, 0)
	if i >= len(text) || text[i] != '{' {
		return dst, invalidAt(text, i, "want a JSON object")
	}
	i = skipSpace(text, i+1)
	if i < len(text) && text[i] == '}' {
		i++
	} else {
		for {
			if i >= len(text) || text[i] != '"' {
				return dst, invalidAt(text, i, "want a field name")
			}
			key, next, err := readJSONString(text, i)
			if err != nil {
				return dst, err
			}
			f := -1
			for j, name := range r.names {
				if name == string(key) {
					f = j
					break
				}
			}
			if f < 0 {
				return dst, fmt.Errorf("%w: unknown field %q", ErrInvalidData, key)
			}
			if vals[f].set {
				return dst, fmt.Errorf("%w: duplicate field %q", ErrInvalidData, key)
			}
			i = skipSpace(text, next)
			if i >= len(text) || text[i] != ':' {
				return dst, invalidAt(text, i, "want ':'")
			}
			i = skipSpace(text, i+1)
			if i, err = readFastValue(text, i, r.kinds[f], r.names[f], &vals[f]); err != nil {
				return dst, err
			}
			i = skipSpace(text, i)
			if i >= len(text) {
				return dst, invalidAt(text, i, "unterminated object")
			}
			if text[i] == '}' {
				i++
				break
			}
			if text[i] != ',' {
				return dst, invalidAt(text, i, "want ',' or '}'")
			}
			i = skipSpace(text, i+1)
		}
	}
	if i = skipSpace(text, i); i != len(text) {
		return dst, invalidAt(text, i, "trailing bytes after the JSON object")
	}
	for f, k := range r.kinds {
		v := &vals[f]
		if !v.set {
			d := r.defaults[f]
			if !d.ok {
				return dst, fmt.Errorf("%w: missing field %q", ErrInvalidData, r.names[f])
			}
			v.null, v.str, v.b = d.null, []byte(d.str), d.boolV
		}
		switch k {
		case kindString:
			dst = appendLong(dst, int64(len(v.str)))
			dst = append(dst, v.str...)
		case kindNullableString:
			if v.null {
				dst = appendLong(dst, 0)
			} else {
				dst = appendLong(dst, 1)
				dst = appendLong(dst, int64(len(v.str)))
				dst = append(dst, v.str...)
			}
		case kindBoolean:
			if v.b {
				dst = append(dst, 1)
			} else {
				dst = append(dst, 0)
			}
		}
	}
	return dst, nil
}

func readFastValue(text []byte, i int, k fieldKind, name string, v *fieldValue) (int, error) {
	v.set = true
	if i >= len(text) {
		return i, invalidAt(text, i, "want a value for "+strconv.Quote(name))
	}
	switch c := text[i]; {
	case c == '"' && (k == kindString || k == kindNullableString):
		s, next, err := readJSONString(text, i)
		v.str = s
		return next, err
	case c == 'n' && k == kindNullableString && hasLiteral(text, i, "null"):
		v.null = true
		return i + 4, nil
	case c == 't' && k == kindBoolean && hasLiteral(text, i, "true"):
		v.b = true
		return i + 4, nil
	case c == 'f' && k == kindBoolean && hasLiteral(text, i, "false"):
		return i + 5, nil
	}
	want := map[fieldKind]string{kindString: "a string", kindNullableString: "a string or null", kindBoolean: "true or false"}[k]
	return i, fmt.Errorf("%w: field %q: want %s at byte %d", ErrInvalidData, name, want, i)
}

func hasLiteral(text []byte, i int, lit string) bool {
	return len(text)-i >= len(lit) && string(text[i:i+len(lit)]) == lit
}

// readJSONString reads the JSON string starting at text[i] == '"' and
// returns its value (aliasing text when it has no escapes) and the index after
// the closing quote. text is known to be valid UTF-8.
func readJSONString(text []byte, i int) ([]byte, int, error) {
	start := i + 1
	j := start
	for j < len(text) {
		c := text[j]
		if c == '"' {
			return text[start:j], j + 1, nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, 0, invalidAt(text, j, "control character in string")
		}
		j++
	}
	out := append([]byte(nil), text[start:j]...)
	for j < len(text) {
		c := text[j]
		switch {
		case c == '"':
			return out, j + 1, nil
		case c < 0x20:
			return nil, 0, invalidAt(text, j, "control character in string")
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(text) {
			break
		}
		esc := text[j+1]
		j += 2
		switch esc {
		case '"', '\\', '/':
			out = append(out, esc)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := readHex4(text, j)
			if !ok {
				return nil, 0, invalidAt(text, j, `bad \u escape`)
			}
			j += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if j+6 <= len(text) && text[j] == '\\' && text[j+1] == 'u' {
					r2, ok = readHex4(text, j+2)
				}
				dec := utf16.DecodeRune(r, r2)
				if !ok || dec == utf8.RuneError {
					// goavro refuses lone surrogates too: no UTF-8 for them.
					return nil, 0, invalidAt(text, j, "lone UTF-16 surrogate")
				}
				r = dec
				j += 6
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, 0, invalidAt(text, j-1, "bad escape")
		}
	}
	return nil, 0, invalidAt(text, len(text), "unterminated string")
}

func readHex4(text []byte, j int) (rune, bool) {
	if j+4 > len(text) {
		return 0, false
	}
	var r rune
	for _, c := range text[j : j+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
