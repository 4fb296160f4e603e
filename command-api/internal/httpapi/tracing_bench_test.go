package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/recall-events/recall/ops/tracing"
)

// BenchmarkTracingOff measures what tracing adds to one command when it is off (the
// no-op provider, the default), against the code before tracing: the router and a
// handler that takes the traceparent header as the event's (the old regexp check),
// versus the server-span middleware, the command's three spans (load, decide, append)
// and the traceparent taken from the context. The difference, divided by a command's
// cost (BenchmarkUpdateUserTracing), is the overhead of tracing off.
//
//	go test -run '^$' -bench BenchmarkTracingOff -count 5 ./internal/httpapi
func BenchmarkTracingOff(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	oldFormat := regexp.MustCompile(`^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$`)
	var sink string
	before := func(c *gin.Context) {
		if v := c.GetHeader("traceparent"); oldFormat.MatchString(v) {
			sink = v
		}
		c.Status(http.StatusOK)
	}
	tracer := noop.NewTracerProvider().Tracer("")
	off := func(c *gin.Context) {
		ctx := c.Request.Context()
		for _, name := range []string{"load", "decide", "append"} { // app.Service.attempt's spans
			_, span := tracer.Start(ctx, name, trace.WithAttributes())
			if span.IsRecording() {
				b.Fatal("a no-op span records")
			}
			span.End()
		}
		sink = tracing.Traceparent(ctx)
		c.Status(http.StatusOK)
	}
	s := &server{tracer: tracer, log: slog.New(slog.DiscardHandler)}
	for _, tc := range []struct {
		name   string
		chain  []gin.HandlerFunc
		header string
	}{
		{"before/no_traceparent", []gin.HandlerFunc{before}, ""},
		{"off/no_traceparent", []gin.HandlerFunc{s.traceRequest, off}, ""},
		{"before/traceparent", []gin.HandlerFunc{before}, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		{"off/traceparent", []gin.HandlerFunc{s.traceRequest, off}, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
	} {
		r := gin.New()
		r.PATCH("/v1/users/:id", tc.chain...)
		req := httptest.NewRequestWithContext(context.Background(), "PATCH", "/v1/users/0193a0b2-7c4e-7d2a-9f10-abcdefabcdef", nil)
		if tc.header != "" {
			req.Header.Set("traceparent", tc.header)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			w := httptest.NewRecorder()
			for b.Loop() {
				r.ServeHTTP(w, req)
			}
			if tc.header != "" && sink != tc.header {
				b.Fatalf("traceparent %q, want %q passed on", sink, tc.header)
			}
		})
	}
}
