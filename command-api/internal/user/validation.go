package user

import (
	"errors"
	"maps"
	"slices"
	"strings"
)

// ValidationError lists every problem of one command, field → message, so a
// client can fix all of them in one round trip instead of one per request.
// Field names are the JSON names of the HTTP contract (first_name, email…).
type ValidationError struct {
	Fields map[string]string
}

// Error lists the problems sorted by field, so the text is deterministic.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid input")
	for i, f := range slices.Sorted(maps.Keys(e.Fields)) {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f + ": " + e.Fields[f])
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrValidation) true.
func (e *ValidationError) Unwrap() error { return ErrValidation }

// problems collects field problems while a command is checked.
type problems map[string]string

// add records msg for field unless msg is empty (no problem); the first
// problem of a field wins, it is the most basic one.
func (p problems) add(field, msg string) {
	if msg == "" {
		return
	}
	if _, dup := p[field]; !dup {
		p[field] = msg
	}
}

// take records the problems of a value constructor's *ValidationError
// (NewUsername, NewEmail, NormalizeName); nil records nothing.
func (p problems) take(err error) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		for f, msg := range ve.Fields {
			p.add(f, msg)
		}
	}
}

// err returns nil when nothing was recorded, else a *ValidationError.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Fields: p}
}

// fieldError is a one-field *ValidationError, returned by the value
// constructors (NewUsername, NewEmail, NormalizeName, ParseRole).
func fieldError(field, msg string) error {
	return &ValidationError{Fields: map[string]string{field: msg}}
}
