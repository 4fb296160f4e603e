package projection

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/schemas"
)

var errHandlerStopped = errors.New("projection: handler stopped early without an error")

// processPartition handles one partition batch: decode, hand the decoded run
// to the Handler, and deal with the record that stopped it (dead-letter it and
// go on, or stop for a retry).
func (r *Runner) processPartition(ctx context.Context, cl *kgo.Client, p kgo.FetchTopicPartition) result {
	res := result{partition: p.Partition}
	recs := p.Records
	for len(recs) > 0 {
		msgs, failAt, failErr := r.decode(ctx, recs)
		if len(msgs) > 0 {
			n, err := r.handle(ctx, msgs)
			if n > 0 {
				res.done = msgs[n-1].Record
			}
			if n < len(msgs) {
				if err == nil {
					err = errHandlerStopped
				}
				failAt, failErr = n, err
			}
		}
		if failAt >= len(recs) {
			return res
		}
		rec := recs[failAt]
		class, err := r.judge(ctx, rec, failErr)
		if class != Poisoned {
			res.retry, res.class, res.err = rec, class, err
			return res
		}
		if err := r.deadLetter(ctx, cl, rec, err); err != nil {
			res.retry, res.class, res.err = rec, Transient, err
			return res
		}
		res.done = rec
		recs = recs[failAt+1:]
	}
	return res
}

// decode decodes records until the first failure; msgs[i] is recs[i].
func (r *Runner) decode(ctx context.Context, recs []*kgo.Record) ([]Message, int, error) {
	msgs := make([]Message, 0, len(recs))
	for i, rec := range recs {
		if err := r.verify(rec); err != nil {
			return msgs, i, err
		}
		ev, err := r.cfg.Decoder.Decode(ctx, rec.Value)
		if err == nil {
			err = checkKey(rec, ev.AggregateID)
		}
		if err != nil {
			return msgs, i, fmt.Errorf("decode: %w", err)
		}
		msgs = append(msgs, Message{Record: rec, Event: ev})
	}
	return msgs, len(recs), nil
}

// verify checks rec's signature when a Verifier is configured; a failure is poison.
func (r *Runner) verify(rec *kgo.Record) error {
	if r.cfg.Verifier == nil {
		return nil
	}
	headers := make([]schemas.Header, len(rec.Headers))
	for i, h := range rec.Headers {
		headers[i] = schemas.Header{Key: h.Key, Value: h.Value}
	}
	if err := r.cfg.Verifier.Verify(rec.Key, rec.Value, headers); err != nil {
		r.cfg.Metrics.BadSignatures.WithLabelValues(r.cfg.Name).Inc()
		return Poison(fmt.Errorf("verify: %w", err))
	}
	return nil
}

// checkKey refuses a record whose key is not its event's aggregate: per-
// aggregate order rests on the key, so such a record cannot be trusted.
func checkKey(rec *kgo.Record, aggregateID string) error {
	if string(rec.Key) != aggregateID {
		return Poison(fmt.Errorf("key %q is not the aggregate id %q", rec.Key, aggregateID))
	}
	return nil
}

func (r *Runner) handle(ctx context.Context, msgs []Message) (int, error) {
	m, name := r.cfg.Metrics, r.cfg.Name
	var spans []trace.Span
	if r.cfg.Tracer != nil {
		ctx, spans = r.startSpans(ctx, msgs)
	}
	start := time.Now()
	n, err := r.cfg.Handler.Handle(ctx, msgs)
	now := time.Now()
	m.ApplyLatency.WithLabelValues(name).Observe(now.Sub(start).Seconds())
	m.BatchSize.WithLabelValues(name).Observe(float64(len(msgs)))
	n = min(max(n, 0), len(msgs))
	endSpans(spans, msgs, n, err)
	applied, skipped := 0, 0
	e2e, hop := m.EndToEnd.WithLabelValues(name), m.Hops.WithLabelValues(HopKafkaToApply)
	for _, msg := range msgs[:n] {
		if msg.Skipped {
			skipped++
			continue
		}
		applied++
		e2e.Observe(now.Sub(msg.Event.RecordedAt).Seconds())
		hop.Observe(max(now.Sub(msg.Record.Timestamp), 0).Seconds())
	}
	m.Applied.WithLabelValues(name).Add(float64(applied))
	m.Skipped.WithLabelValues(name).Add(float64(skipped))
	return n, err
}

// judge classifies the failure of rec. A record error becomes poison after
// MaxAttempts; a gap becomes poison when an earlier revision of the same
// aggregate was dead-lettered (it can never close).
func (r *Runner) judge(ctx context.Context, rec *kgo.Record, err error) (Class, error) {
	class := Classify(err)
	switch class {
	case Gap:
		r.cfg.Metrics.Gaps.WithLabelValues(r.cfg.Name).Inc()
		var gap *GapError
		errors.As(err, &gap)
		blocked, qerr := r.deadLettered(ctx, gap)
		if qerr != nil {
			return Transient, fmt.Errorf("%w (checking dead letters: %w)", err, qerr)
		}
		if blocked {
			return Poisoned, fmt.Errorf("%w: an earlier revision of %s was dead-lettered", err, gap.AggregateID)
		}
	case Integrity:
		r.cfg.Metrics.IntegrityAlarms.WithLabelValues(r.cfg.Name).Inc()
	case RecordError:
		r.mu.Lock()
		st := r.state(rec.Partition)
		if st.failOffset != rec.Offset {
			st.failOffset, st.attempts = rec.Offset, 0
		}
		st.attempts++
		attempts := st.attempts
		r.mu.Unlock()
		if attempts >= r.cfg.MaxAttempts {
			return Poisoned, &attemptsError{n: attempts, err: err}
		}
	}
	return class, err
}
