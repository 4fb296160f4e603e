package tracing

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// HeaderTraceparent is the W3C header (and event-metadata field, and Kafka header) that
// carries a span's context from one service to the next.
const HeaderTraceparent = "traceparent"

// WithParent returns ctx carrying the remote span context in traceparent, the parent of
// the spans started from it; ctx unchanged when traceparent is empty or malformed (the
// propagator validates it, so nothing unchecked reaches a span or an event).
func WithParent(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" {
		return ctx
	}
	return Propagator.Extract(ctx, propagation.MapCarrier{HeaderTraceparent: traceparent})
}

// Traceparent is the traceparent of the span in ctx (a local span, or a remote parent
// when the provider is off and records nothing), or "" when ctx carries none.
func Traceparent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return "" // most requests carry none: spare the carrier's map
	}
	c := propagation.MapCarrier{}
	Propagator.Inject(ctx, c)
	return c[HeaderTraceparent]
}
