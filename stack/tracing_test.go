package stack_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/stack"
)

// TestOneTraceAcrossThePipeline follows one PATCH through the running system with
// tracing on: the HTTP server span, the command's append, the relay's producer span (a
// child of the context stored in the event's metadata), the projector's consumer span
// (from the Kafka record's header, across a real kfake hop) and its database write, all
// in one trace, each the child of the one before. Any hop that drops or replaces the
// context breaks the parent chain and fails the test.
func TestOneTraceAcrossThePipeline(t *testing.T) {
	ctx := context.Background()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer tp.Shutdown(ctx)
	s, err := stack.Start(ctx, stack.Options{Ephemeral: true, Logs: io.Discard, TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	token := login(t, s.APIURL)
	var write struct {
		ID       string `json:"id"`
		Revision int64  `json:"revision"`
	}
	mustJSON(t, call(t, "POST", s.APIURL+"/v1/users", token, `{"username":"ada","email":"ada@example.com",
		"first_name":"Ada","last_name":"Lovelace","password":"correct horse battery"}`, 201), &write)
	mustJSON(t, call(t, "PATCH", s.APIURL+"/v1/users/"+write.ID, token, `{"last_name":"Byron"}`, 200), &write)
	call(t, "GET", fmt.Sprintf("%s/v1/users/%s?min_revision=%d&wait=10s", s.APIURL, write.ID, write.Revision), token, "", 200)

	var server tracetest.SpanStub
	for _, sp := range exp.GetSpans() {
		if sp.Name == "PATCH /v1/users/:id" {
			server = sp
		}
	}
	if !server.SpanContext.IsValid() {
		t.Fatal("no server span for the PATCH")
	}
	traceID := server.SpanContext.TraceID()
	// The projector's spans end just after its commit, which the GET may have seen first.
	want := []string{"PATCH /v1/users/:id", "send recall.user.events", "process recall.user.events", "apply users_v1"}
	var chain []tracetest.SpanStub
	deadline := time.Now().Add(15 * time.Second)
	for {
		chain = follow(exp.GetSpans(), server)
		if len(chain) == len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	inTrace := tracetest.SpanStubs{}
	for _, sp := range exp.GetSpans() {
		if sp.SpanContext.TraceID() == traceID {
			inTrace = append(inTrace, sp)
		}
	}
	t.Logf("the PATCH's trace:\n%s", Tree(inTrace))
	var got []string
	for _, sp := range chain {
		got = append(got, sp.Name)
	}
	if strings.Join(got, " → ") != strings.Join(want, " → ") {
		t.Fatalf("parent chain from the server span: %v, want %v", got, want)
	}
	kinds := []trace.SpanKind{trace.SpanKindServer, trace.SpanKindProducer, trace.SpanKindConsumer, trace.SpanKindClient}
	for i, sp := range chain {
		if sp.SpanKind != kinds[i] {
			t.Errorf("%s: kind %v, want %v", sp.Name, sp.SpanKind, kinds[i])
		}
	}
	names := map[string]bool{}
	for _, sp := range inTrace {
		if sp.Parent.SpanID() == server.SpanContext.SpanID() {
			names[sp.Name] = true
		}
	}
	for _, n := range []string{"load", "decide", "append"} {
		if !names[n] {
			t.Errorf("no %s span under the server span", n)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatalf("a service failed: %v", err)
	}
}

// follow walks down from root through the pipeline's hops (not the command's own
// load/decide/append): the longest parent chain, since a record has a consumer span per
// projection group (users, welcome-email) and only the users one writes a read model.
func follow(spans tracetest.SpanStubs, root tracetest.SpanStub) []tracetest.SpanStub {
	best := []tracetest.SpanStub{root}
	for _, sp := range spans {
		if sp.Parent.SpanID() == root.SpanContext.SpanID() && sp.SpanContext.TraceID() == root.SpanContext.TraceID() &&
			sp.SpanKind != trace.SpanKindInternal {
			if c := append([]tracetest.SpanStub{root}, follow(spans, sp)...); len(c) > len(best) {
				best = c
			}
		}
	}
	return best
}

// Tree renders spans as an indented tree of names, durations and services' scopes.
func Tree(spans tracetest.SpanStubs) string {
	children := map[trace.SpanID][]tracetest.SpanStub{}
	ids := map[trace.SpanID]bool{}
	for _, sp := range spans {
		ids[sp.SpanContext.SpanID()] = true
	}
	var roots []tracetest.SpanStub
	for _, sp := range spans {
		if ids[sp.Parent.SpanID()] {
			children[sp.Parent.SpanID()] = append(children[sp.Parent.SpanID()], sp)
		} else {
			roots = append(roots, sp)
		}
	}
	var b strings.Builder
	var walk func(sp tracetest.SpanStub, depth int)
	walk = func(sp tracetest.SpanStub, depth int) {
		scope := strings.TrimPrefix(sp.InstrumentationScope.Name, "github.com/recall-events/recall/")
		fmt.Fprintf(&b, "%s%s  %s  [%s]\n", strings.Repeat("  ", depth), sp.Name,
			sp.EndTime.Sub(sp.StartTime).Round(10*time.Microsecond), scope)
		kids := children[sp.SpanContext.SpanID()]
		for i := 0; i < len(kids); i++ { // in start order
			for j := i + 1; j < len(kids); j++ {
				if kids[j].StartTime.Before(kids[i].StartTime) {
					kids[i], kids[j] = kids[j], kids[i]
				}
			}
		}
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	return b.String()
}
