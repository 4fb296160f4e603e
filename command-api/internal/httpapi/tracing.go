package httpapi

import (
	"strconv"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/command-api/internal/metrics"
	"github.com/recall-events/recall/ops/tracing"
)

// untraced are the probe routes: scraped every few seconds, they would bury the requests
// worth following under root spans of their own.
var untraced = map[string]bool{"/livez": true, "/readyz": true, "/metrics": true}

// traceRequest starts the request's server span, the parent of the command's load,
// decide and append spans and, through the event's metadata, of the relay's and the
// projector's spans. It continues the caller's trace when the request carries a valid
// traceparent. Names and attributes follow the HTTP semantic conventions: the span is
// "METHOD /route/:template" (never the raw path, which holds ids), the method is
// one of the standard ones or _OTHER (span name "HTTP"), so a crafted method cannot name
// spans.
func (s *server) traceRequest(c *gin.Context) {
	route := c.FullPath() // gin matched the route before running the chain
	header := c.GetHeader(tracing.HeaderTraceparent)
	// Off and nothing to pass on: no span, no context copy (tracing off costs this test).
	if untraced[route] || (!s.tracing && header == "") {
		c.Next()
		return
	}
	method, name := c.Request.Method, c.Request.Method
	if !metrics.KnownMethods[method] {
		method, name = "_OTHER", "HTTP"
	}
	if route != "" {
		name += " " + route
	}
	ctx := tracing.WithParent(c.Request.Context(), header)
	ctx, span := s.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	if span.IsRecording() { // attributes cost allocations; a no-op span drops them anyway
		span.SetAttributes(
			attribute.String("http.request.method", method),
			attribute.String("url.path", c.Request.URL.Path),
			attribute.String("url.scheme", scheme(c)),
			attribute.String("client.address", c.ClientIP()),
		)
		if route != "" {
			span.SetAttributes(attribute.String("http.route", route))
		}
	}
	c.Request = c.Request.WithContext(ctx)
	c.Next()
	if !span.IsRecording() {
		return
	}
	status := c.Writer.Status()
	span.SetAttributes(attribute.Int("http.response.status_code", status),
		attribute.String("recall.request_id", requestID(c)))
	if t := c.GetString(ctxProblem); t != "" {
		span.SetAttributes(attribute.String("recall.problem", t))
	}
	// Server spans are errors for 5xx only: a 4xx is the client's mistake, answered well.
	if status >= 500 {
		span.SetStatus(codes.Error, "")
		span.SetAttributes(attribute.String("error.type", strconv.Itoa(status)))
	}
}

func scheme(c *gin.Context) string {
	if c.Request.TLS != nil {
		return "https"
	}
	return "http"
}
