package projection

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
)

// Headers added to a dead-lettered record, besides its own.
const (
	HeaderDLQTopic      = "recall_dlq_topic"
	HeaderDLQPartition  = "recall_dlq_partition"
	HeaderDLQOffset     = "recall_dlq_offset"
	HeaderDLQError      = "recall_dlq_error"
	HeaderDLQProjection = "recall_dlq_projection"
	HeaderDLQGroup      = "recall_dlq_group"
	HeaderDLQTime       = "recall_dlq_time"
)

// maxErrorLen keeps an error header and row readable.
const maxErrorLen = 2000

// deadLetter records rec in projector_dead_letters and copies it to the DLQ
// topic, waiting for the broker's acknowledgement: only then may its offset be
// committed. The row comes first and is idempotent, so a retry after a failed
// produce does not duplicate it.
func (r *Runner) deadLetter(ctx context.Context, cl *kgo.Client, rec *kgo.Record, cause error) error {
	msg := clean(cause.Error())
	aggregate, revision := clean(string(rec.Key)), headerInt(rec, "recall_revision")
	err := readmodel.InsertDeadLetter(ctx, r.cfg.Pool, readmodel.DeadLetter{
		Projection: r.cfg.Name, Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset,
		AggregateID: strings.ToLower(aggregate), Revision: revision, Error: msg, Kind: ErrorKind(cause),
		Attempts: attemptsOf(cause), Key: rec.Key, Value: rec.Value, Headers: recordHeaders(rec),
	})
	if err != nil {
		return err
	}
	out := &kgo.Record{
		Topic:   r.cfg.DLQTopic,
		Key:     rec.Key,
		Value:   rec.Value,
		Headers: append(append([]kgo.RecordHeader(nil), rec.Headers...), dlqHeaders(r, rec, msg)...),
	}
	if err := cl.ProduceSync(ctx, out).FirstErr(); err != nil {
		return fmt.Errorf("produce to %s: %w", r.cfg.DLQTopic, err)
	}
	r.cfg.Metrics.DeadLetters.WithLabelValues(r.cfg.Name).Inc()
	r.log.Error("record dead-lettered", "partition", rec.Partition, "offset", rec.Offset,
		"aggregate_id", aggregate, "revision", revision, "dlq", r.cfg.DLQTopic, "err", msg)
	return nil
}

// ErrorKind is the fixed kind of a dead letter's cause, for the table and the
// metrics: signature, decode, apply, attempts or blocked.
func ErrorKind(cause error) string {
	var gap *GapError
	var ae *attemptsError
	switch {
	case errors.Is(cause, schemas.ErrSignature):
		return readmodel.KindSignature
	case errors.As(cause, &gap):
		return readmodel.KindBlocked
	case errors.As(cause, &ae):
		return readmodel.KindAttempts
	case errors.Is(cause, schemas.ErrFraming), errors.Is(cause, schemas.ErrMalformed),
		errors.Is(cause, schemas.ErrUnsupportedSchema), errors.Is(cause, schemas.ErrUnknownSchema),
		errors.Is(cause, schemas.ErrInvalidData), errors.Is(cause, schemas.ErrInvalidEvent):
		return readmodel.KindDecode
	}
	return readmodel.KindApply
}

// attemptsError is a record error that failed every attempt.
type attemptsError struct {
	n   int
	err error
}

func (e *attemptsError) Error() string { return fmt.Sprintf("after %d attempts: %v", e.n, e.err) }
func (e *attemptsError) Unwrap() error { return e.err }

func attemptsOf(err error) int {
	if ae, ok := errors.AsType[*attemptsError](err); ok {
		return ae.n
	}
	return 1
}

// recordHeaders keeps rec's own headers (traceparent among them) with the
// dead letter, valid UTF-8 so they can be shown.
func recordHeaders(rec *kgo.Record) []readmodel.Header {
	out := make([]readmodel.Header, 0, len(rec.Headers))
	for _, h := range rec.Headers {
		out = append(out, readmodel.Header{Key: clean(h.Key), Value: clean(string(h.Value))})
	}
	return out
}

func dlqHeaders(r *Runner, rec *kgo.Record, msg string) []kgo.RecordHeader {
	h := func(k, v string) kgo.RecordHeader { return kgo.RecordHeader{Key: k, Value: []byte(v)} }
	return []kgo.RecordHeader{
		h(HeaderDLQTopic, rec.Topic),
		h(HeaderDLQPartition, strconv.Itoa(int(rec.Partition))),
		h(HeaderDLQOffset, strconv.FormatInt(rec.Offset, 10)),
		h(HeaderDLQError, msg),
		h(HeaderDLQProjection, r.cfg.Name),
		h(HeaderDLQGroup, r.cfg.Group),
		h(HeaderDLQTime, time.Now().UTC().Format(time.RFC3339Nano)),
	}
}

// deadLettered reports whether a revision of gap's aggregate between the
// stored one and the arriving one went to the DLQ.
func (r *Runner) deadLettered(ctx context.Context, gap *GapError) (bool, error) {
	var ok bool
	err := r.cfg.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projector_dead_letters
WHERE projection = $1 AND aggregate_id = $2 AND revision > $3 AND revision < $4)`,
		r.cfg.Name, gap.AggregateID, gap.Stored, gap.Got).Scan(&ok)
	return ok, err
}

// clean makes s storable as PostgreSQL text (valid UTF-8, no NUL) and short.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	if len(s) > maxErrorLen {
		s = strings.ToValidUTF8(s[:maxErrorLen], "")
	}
	return s
}

func headerInt(rec *kgo.Record, key string) int64 {
	for _, h := range rec.Headers {
		if h.Key == key {
			n, _ := strconv.ParseInt(string(h.Value), 10, 64)
			return n
		}
	}
	return 0
}

// EnsureTopics creates missing dead-letter topics (one partition, retention
// off: dead letters are evidence). Brokers with auto-creation off — kfake by
// default, and production — need them to exist before the first dead letter.
func EnsureTopics(ctx context.Context, cl *kgo.Client, topics ...string) error {
	adm := kadm.NewClient(cl)
	res, err := adm.CreateTopics(ctx, 1, -1, map[string]*string{"retention.ms": new("-1")}, topics...)
	if err != nil {
		return fmt.Errorf("projection: create topics: %w", err)
	}
	for _, t := range res {
		if t.Err != nil && !errors.Is(t.Err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("projection: create topic %s: %w", t.Topic, t.Err)
		}
	}
	return nil
}
