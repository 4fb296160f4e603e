package commandapi_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/ops/tracing"
)

// A PATCH with tracing on: one server span named by the route template, with the load,
// decide and append spans as its children, continuing the caller's trace; the event's
// metadata carries the server span's context, which the relay continues from.
func TestPatchSpansAndTheEventsTraceparent(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())
	a := start(t, "", func(c *commandapi.Config) { c.TracerProvider = tp })
	id := a.createUser("ada")
	exp.Reset()

	const caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	a.do("PATCH", "/v1/users/"+id, a.admin, map[string]any{"first_name": "Augusta"}, hdr{"traceparent": caller}).want(t, 200)
	a.do("GET", "/livez", "", nil, nil).want(t, 200)

	byName := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		byName[s.Name] = s
	}
	server, ok := byName["PATCH /v1/users/:id"]
	if !ok {
		t.Fatalf("no server span named by the route template among %v", names(exp.GetSpans()))
	}
	if server.SpanKind != trace.SpanKindServer || server.Parent.SpanID().String() != "00f067aa0ba902b7" ||
		server.SpanContext.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Fatalf("server span %v kind %v parent %v: not continuing the caller's trace", server.SpanContext, server.SpanKind, server.Parent)
	}
	attrs := map[string]string{}
	for _, kv := range server.Attributes {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	if attrs["http.route"] != "/v1/users/:id" || attrs["http.request.method"] != "PATCH" || attrs["http.response.status_code"] != "200" {
		t.Fatalf("server attributes %v", attrs)
	}
	for _, n := range []string{"load", "decide", "append"} {
		s, ok := byName[n]
		if !ok {
			t.Fatalf("no %s span among %v", n, names(exp.GetSpans()))
		}
		if s.Parent.SpanID() != server.SpanContext.SpanID() {
			t.Errorf("%s's parent %v is not the server span %v", n, s.Parent.SpanID(), server.SpanContext.SpanID())
		}
	}
	if _, ok := byName["GET /livez"]; ok {
		t.Error("a probe was traced")
	}

	var h history
	a.do("GET", "/v1/users/"+id+"/history", a.admin, nil, nil).want(t, 200).json(t, &h)
	got := h.Events[len(h.Events)-1].Metadata.Traceparent
	if want := tracing.Traceparent(trace.ContextWithSpanContext(context.Background(), server.SpanContext)); got != want {
		t.Fatalf("event traceparent %q, want the server span's %q", got, want)
	}
}

func names(spans tracetest.SpanStubs) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name
	}
	return out
}
