package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/recall-events/recall/ops/tracing"
)

// BenchmarkTracingPerRequest measures what tracing adds to one command's CPU, against the
// code before tracing ("before": the router and a handler that takes the traceparent
// header as the event's, the old regexp check): "off" (the no-op provider, the default)
// and "sampled" (the SDK recording every span, a batching exporter that discards) run the
// server-span middleware, the command's three spans (load, decide, append) and take the
// traceparent from the context. The difference, set against a command's cost
// (BenchmarkUpdateUserTracing), is tracing's overhead, without the noise of a database.
//
//	go test -run '^$' -bench BenchmarkTracingPerRequest -count 5 ./internal/httpapi
func BenchmarkTracingPerRequest(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	oldFormat := regexp.MustCompile(`^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$`)
	var sink string
	before := func(c *gin.Context) {
		if v := c.GetHeader("traceparent"); oldFormat.MatchString(v) {
			sink = v
		}
		c.Status(http.StatusOK)
	}
	command := func(tracer trace.Tracer) gin.HandlerFunc {
		return func(c *gin.Context) {
			ctx := c.Request.Context()
			for _, name := range []string{"load", "decide", "append"} { // app.Service.attempt's spans
				_, span := tracer.Start(ctx, name)
				if span.IsRecording() {
					span.SetAttributes(attribute.String("recall.command", "UpdateUser"), attribute.Int("recall.events", 1))
				}
				span.End()
			}
			sink = tracing.Traceparent(ctx)
			c.Status(http.StatusOK)
		}
	}
	noopTracer := noop.NewTracerProvider().Tracer("")
	off := &server{tracer: noopTracer, log: slog.New(slog.DiscardHandler)}
	sdk := tracing.NewWithExporter(tracetest.NewNoopExporter(), 1, "command-api")
	defer sdk.Shutdown(context.Background())
	sdkTracer := sdk.Tracer(tracing.Scope("command-api"))
	sampled := &server{tracer: sdkTracer, tracing: true, log: slog.New(slog.DiscardHandler)}
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	for _, tc := range []struct {
		name   string
		chain  []gin.HandlerFunc
		header string
	}{
		{"before/no_traceparent", []gin.HandlerFunc{before}, ""},
		{"off/no_traceparent", []gin.HandlerFunc{off.traceRequest, command(noopTracer)}, ""},
		{"sampled/no_traceparent", []gin.HandlerFunc{sampled.traceRequest, command(sdkTracer)}, ""},
		{"before/traceparent", []gin.HandlerFunc{before}, tp},
		{"off/traceparent", []gin.HandlerFunc{off.traceRequest, command(noopTracer)}, tp},
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
			if strings.HasPrefix(tc.name, "off/") && sink != tc.header {
				b.Fatalf("traceparent %q, want %q passed on", sink, tc.header)
			}
		})
	}
}
