package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"
)

// decodeBody decodes one JSON object into v, strictly: no unknown fields, no field twice,
// names matched exactly (encoding/json alone would take "First_Name" for first_name and
// let the last of two equal keys win, so a proxy and this service could read different
// values), no trailing data. Bad syntax or no body at all is 400 malformed-json; JSON of
// the wrong shape is 422 validation naming the field. An empty body is {} when optional
// is true.
func decodeBody(body []byte, v any, optional bool) *Problem {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		if optional {
			return nil
		}
		return problem(400, KindMalformedJSON, "the request body is empty; a JSON object is required")
	}
	if !utf8.Valid(trimmed) {
		return problem(400, KindMalformedJSON, "the request body is not UTF-8")
	}
	if trimmed[0] != '{' {
		if !json.Valid(trimmed) {
			return problem(400, KindMalformedJSON, "the request body is not valid JSON")
		}
		return fieldProblem(422, KindValidation, "the request body must be a JSON object", map[string]string{"body": "must be a JSON object"})
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return problem(400, KindMalformedJSON, "unexpected data after the JSON object")
	}
	return checkKeys(trimmed, jsonFields(reflect.TypeOf(v)))
}

// checkKeys refuses a key of the (valid) top-level object that is not exactly one of
// known, or that appears twice.
func checkKeys(object []byte, known map[string]bool) *Problem {
	dec := json.NewDecoder(bytes.NewReader(object))
	if _, err := dec.Token(); err != nil { // {
		return problem(400, KindMalformedJSON, "the request body is not valid JSON")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		var skip json.RawMessage
		if err != nil || !ok || dec.Decode(&skip) != nil {
			return problem(400, KindMalformedJSON, "the request body is not valid JSON")
		}
		switch {
		case seen[key]:
			return fieldProblem(422, KindValidation, "a field appears more than once", map[string]string{key: "appears more than once"})
		case !known[key]:
			return fieldProblem(422, KindValidation, "the request has an unknown field", map[string]string{key: "is not a known field (names are case-sensitive)"})
		}
		seen[key] = true
	}
	return nil
}

// jsonFields are the JSON names of the fields of the struct t points to.
func jsonFields(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]bool{}
	if t.Kind() != reflect.Struct {
		return out
	}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = true
	}
	return out
}

func decodeProblem(err error) *Problem {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return problem(400, KindMalformedJSON, "the request body is not valid JSON")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return fieldProblem(422, KindValidation, "a field has the wrong type",
			map[string]string{field: "must be " + jsonType(typ.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fieldProblem(422, KindValidation, "the request has an unknown field", map[string]string{name: "is not a known field"})
	}
	return problem(400, KindMalformedJSON, "the request body could not be read as JSON")
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "ptr":
		return "a string or null"
	case "struct", "map":
		return "an object"
	}
	return "a " + kind
}
