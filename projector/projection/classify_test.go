package projection

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

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

// TestBackoff pins what the doc says: retry n waits within
// [Base/2, min(Max, Base·2ⁿ)], spread over that range, never above Max.
func TestBackoff(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	for attempt := range 20 {
		ceil := min(b.Base<<attempt, b.Max)
		lo, hi := ceil, time.Duration(0)
		for range 200 {
			d := b.Delay(attempt)
			if d < b.Base/2 || d > ceil {
				t.Fatalf("Delay(%d) = %v out of [%v, %v]", attempt, d, b.Base/2, ceil)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if spread := ceil - b.Base/2; hi-lo < spread/2 {
			t.Errorf("Delay(%d) spread over [%v, %v] only, of [%v, %v]", attempt, lo, hi, b.Base/2, ceil)
		}
	}
}
