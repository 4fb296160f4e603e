package schemas

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/linkedin/goavro/v2"
)

// envelopeFields is the fixed head of every Recall event record, in order.
// The codec hand-writes these; a writer schema whose head differs is refused
// (ErrUnsupportedSchema) rather than misread.
var envelopeFields = [...]struct{ name, typ, logical string }{
	{"event_id", "string", ""},
	{"aggregate_type", "string", ""},
	{"aggregate_id", "string", ""},
	{"revision", "long", ""},
	{"event_type", "string", ""},
	{"schema_version", "int", ""},
	{"recorded_at", "long", "timestamp-micros"},
	{"global_position", "long", ""},
}

type fieldSpec struct {
	Name string          `json:"name"`
	Type json.RawMessage `json:"type"`
}

type recordSpec struct {
	Type      string      `json:"type"`
	Name      string      `json:"name"`
	Namespace string      `json:"namespace"`
	Fields    []fieldSpec `json:"fields"`
}

type typeSpec struct {
	Type        string `json:"type"`
	LogicalType string `json:"logicalType"`
}

// fieldKind lets the decoder write JSON straight from goavro's native values
// for the simple field types Recall uses; kindOther sends the whole record
// through goavro's own JSON writer instead.
type fieldKind uint8

const (
	kindOther fieldKind = iota
	kindString
	kindNullableString
	kindBoolean
	kindInt
	kindLong
)

// subRecord is the metadata or data part of a layout: a goavro codec for the
// record alone plus its field names and kinds in schema order.
type subRecord struct {
	codec  *goavro.Codec
	names  []string
	kinds  []fieldKind
	simple bool // every field has a kind other than kindOther

	fast     bool          // JSON → Avro without goavro (jsonin.go)
	defaults []fastDefault // per field, for the fast path
}

// layout is a parsed writer schema that follows the envelope convention.
type layout struct {
	fullName string
	name     string
	meta     subRecord
	data     subRecord
}

func parseLayout(text string) (*layout, error) {
	var rec recordSpec
	if err := json.Unmarshal([]byte(text), &rec); err != nil {
		return nil, fmt.Errorf("%w: not a JSON record schema: %v", ErrUnsupportedSchema, err)
	}
	name, ns := rec.Name, rec.Namespace
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ns, name = name[:i], name[i+1:]
	}
	full := name
	if ns != "" {
		full = ns + "." + name
	}
	if rec.Type != "record" || len(rec.Fields) != len(envelopeFields)+2 {
		return nil, fmt.Errorf("%w: %s: want a record with %d fields", ErrUnsupportedSchema, full, len(envelopeFields)+2)
	}
	for i, want := range envelopeFields {
		f := rec.Fields[i]
		ts := parseTypeSpec(f.Type)
		if f.Name != want.name || ts.Type != want.typ || (want.logical != "" && ts.LogicalType != want.logical) {
			return nil, fmt.Errorf("%w: %s: field %d is %s %s, want %s %s",
				ErrUnsupportedSchema, full, i, f.Name, f.Type, want.name, want.typ)
		}
	}
	l := &layout{fullName: full, name: name}
	var err error
	if l.meta, err = parseSubRecord(full, rec.Fields[len(envelopeFields)], "metadata", ns); err != nil {
		return nil, err
	}
	if l.data, err = parseSubRecord(full, rec.Fields[len(envelopeFields)+1], "data", ns); err != nil {
		return nil, err
	}
	return l, nil
}

func parseTypeSpec(raw json.RawMessage) typeSpec {
	var ts typeSpec
	if err := json.Unmarshal(raw, &ts.Type); err == nil {
		return ts
	}
	_ = json.Unmarshal(raw, &ts) // a union or garbage leaves ts empty: no match
	return ts
}

// parseSubRecord compiles the inline record of field f on its own. Named types
// inherit the enclosing namespace, so it is made explicit before the record
// leaves its parent.
func parseSubRecord(full string, f fieldSpec, want, parentNS string) (subRecord, error) {
	if f.Name != want {
		return subRecord{}, fmt.Errorf("%w: %s: field %q where %q belongs", ErrUnsupportedSchema, full, f.Name, want)
	}
	var obj map[string]any
	var rec recordSpec
	var raw struct {
		Fields []json.RawMessage `json:"fields"`
	}
	if json.Unmarshal(f.Type, &obj) != nil || json.Unmarshal(f.Type, &rec) != nil ||
		json.Unmarshal(f.Type, &raw) != nil || rec.Type != "record" {
		return subRecord{}, fmt.Errorf("%w: %s: field %s is not an inline record", ErrUnsupportedSchema, full, want)
	}
	if _, ok := obj["namespace"]; !ok && parentNS != "" && !strings.Contains(rec.Name, ".") {
		obj["namespace"] = parentNS
	}
	text, err := json.Marshal(obj)
	if err != nil {
		return subRecord{}, fmt.Errorf("%w: %s: %v", ErrUnsupportedSchema, full, err)
	}
	codec, err := goavro.NewCodecForStandardJSONFull(string(text))
	if err != nil {
		return subRecord{}, fmt.Errorf("%w: %s field %s: %v", ErrUnsupportedSchema, full, want, err)
	}
	s := subRecord{codec: codec, simple: true}
	for _, fld := range rec.Fields {
		k := kindOf(fld.Type)
		s.names = append(s.names, fld.Name)
		s.kinds = append(s.kinds, k)
		s.simple = s.simple && k != kindOther
	}
	s.defaults, s.fast = fastDefaults(raw.Fields, s.kinds)
	return s, nil
}

func kindOf(raw json.RawMessage) fieldKind {
	var union []string
	if json.Unmarshal(raw, &union) == nil {
		if len(union) == 2 && union[0] == "null" && union[1] == "string" {
			return kindNullableString
		}
		return kindOther
	}
	ts := parseTypeSpec(raw)
	if ts.LogicalType != "" && ts.LogicalType != "uuid" {
		return kindOther // goavro turns these into time.Time and the like
	}
	switch ts.Type {
	case "string":
		return kindString
	case "boolean":
		return kindBoolean
	case "int":
		return kindInt
	case "long":
		return kindLong
	}
	return kindOther
}
