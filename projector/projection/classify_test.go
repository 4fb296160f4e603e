package projection

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/schemas"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want Class
	}{
		{&GapError{AggregateID: "a", Stored: 1, Got: 3}, Gap},
		{fmt.Errorf("x: %w", &GapError{}), Gap},
		{Poison(errors.New("bad data")), Poisoned},
		{fmt.Errorf("decode: %w", schemas.ErrFraming), Poisoned},
		{fmt.Errorf("decode: %w", schemas.ErrMalformed), Poisoned},
		{fmt.Errorf("decode: %w", schemas.ErrUnsupportedSchema), Poisoned},
		{fmt.Errorf("%w: %w", schemas.ErrRegistry, &sr.ResponseError{StatusCode: 404, ErrorCode: 40403}), RecordError},
		{fmt.Errorf("%w: %w", schemas.ErrRegistry, &sr.ResponseError{StatusCode: 503}), Transient},
		{fmt.Errorf("%w: dial: %w", schemas.ErrRegistry, io.ErrUnexpectedEOF), Transient},
		{&pgconn.PgError{Code: "23505"}, RecordError},
		{&pgconn.PgError{Code: "22P02"}, RecordError},
		{&pgconn.PgError{Code: "40001"}, Transient},
		{&pgconn.PgError{Code: "57P01"}, Transient},
		{&pgconn.PgError{Code: "42P01"}, Transient}, // a dropped table is not the record's fault
		{context.DeadlineExceeded, Transient},
		{errors.New("connection refused"), Transient},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Base: 100e6, Max: 1e9}
	for attempt := range 20 {
		d := b.Delay(attempt)
		if d < 50e6 || d > 1e9 {
			t.Fatalf("Delay(%d) = %v out of [Base/2, Max]", attempt, d)
		}
	}
}
