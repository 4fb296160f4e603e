package projection

import (
	"context"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/ops/tracing"
)

// tracedKey keys the consumer span contexts of a batch's traced records in a Handler's
// ctx.
type tracedKey struct{}

// startSpans starts a consumer span for every message whose record carries a traceparent
// (the relay's producer span), a child of it: the request's trace goes on across the
// Kafka hop. spans[i] is msgs[i]'s, nil for an untraced record. The returned ctx carries
// the consumer spans' contexts (Traced) for the Handler's own spans.
func (r *Runner) startSpans(ctx context.Context, msgs []Message) (context.Context, []trace.Span) {
	var spans []trace.Span
	var traced []trace.SpanContext
	for i, m := range msgs {
		tp := headerValue(m.Record, tracing.HeaderTraceparent)
		if tp == "" {
			continue
		}
		parent := tracing.WithParent(ctx, tp)
		if !trace.SpanContextFromContext(parent).IsValid() {
			continue
		}
		_, span := r.cfg.Tracer.Start(parent, "process "+m.Record.Topic, trace.WithSpanKind(trace.SpanKindConsumer),
			trace.WithAttributes(
				attribute.String("messaging.system", "kafka"),
				attribute.String("messaging.operation.type", "process"),
				attribute.String("messaging.destination.name", m.Record.Topic),
				attribute.String("messaging.consumer.group.name", r.cfg.Group),
				attribute.String("messaging.destination.partition.id", strconv.Itoa(int(m.Record.Partition))),
				attribute.Int64("messaging.kafka.offset", m.Record.Offset),
				attribute.String("messaging.message.id", m.Event.EventID),
				attribute.String("recall.projection", r.cfg.Name),
				attribute.Int64("recall.revision", m.Event.Revision),
				attribute.Int("recall.batch.size", len(msgs)),
			))
		if spans == nil {
			spans = make([]trace.Span, len(msgs))
		}
		spans[i] = span
		traced = append(traced, span.SpanContext())
	}
	if len(traced) == 0 {
		return ctx, nil
	}
	return context.WithValue(ctx, tracedKey{}, traced), spans
}

// endSpans ends the consumer spans once the Handler has answered: messages before n were
// applied (or skipped as redeliveries), msgs[n] failed with err, the rest were not tried.
// The status carries the failure's class, never err's text (it may quote event data).
func endSpans(spans []trace.Span, msgs []Message, n int, err error) {
	for i, span := range spans {
		if span == nil {
			continue
		}
		switch {
		case i < n:
			span.SetAttributes(attribute.Bool("recall.skipped", msgs[i].Skipped))
		case i == n && err != nil:
			span.SetStatus(codes.Error, Classify(err).String())
		default:
			span.SetAttributes(attribute.Bool("recall.handled", false))
		}
		span.End()
	}
}

// Traced are the consumer spans of the traced records in the batch a Handler was given
// (its ctx): the parents of the Handler's spans. A batch is written in one transaction
// and a span has one parent, so a Handler makes its write span once per traced record
// (each trace then shows the write its request ended in); nil when none is traced or
// tracing is off.
func Traced(ctx context.Context) []trace.SpanContext {
	traced, _ := ctx.Value(tracedKey{}).([]trace.SpanContext)
	return traced
}

func headerValue(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
