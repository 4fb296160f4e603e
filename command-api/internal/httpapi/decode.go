package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// decodeBody decodes one JSON object into v, strictly: no unknown fields, no trailing
// data. Bad syntax or no body at all is 400 malformed-json; JSON of the wrong shape is 422
// validation naming the field. An empty body is {} when optional is true.
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
	return nil
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
