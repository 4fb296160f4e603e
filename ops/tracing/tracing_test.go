package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/recall-events/recall/ops/envflag"
)

const upstream = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func TestValidateReportsEveryProblem(t *testing.T) {
	err := Config{Exporter: "jaeger", Endpoint: "collector:4318", SampleRatio: 2}.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"RECALL_TRACING", "OTEL_EXPORTER_OTLP_ENDPOINT", "RECALL_TRACE_SAMPLE_RATIO"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v lacks %s", err, want)
		}
	}
	if err := (Config{Exporter: "otlp", SampleRatio: 1}).Validate(); err == nil {
		t.Error("otlp without an endpoint accepted")
	}
	if err := (Config{SampleRatio: math.NaN()}).Validate(); err == nil {
		t.Error("NaN ratio accepted")
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Error(err)
	}
}

func TestExporterChoice(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, ExporterOff},
		{Config{Endpoint: "http://c:4318"}, ExporterOTLP},
		{Config{Exporter: "off", Endpoint: "http://c:4318"}, ExporterOff},
		{Config{Exporter: "STDOUT"}, ExporterStdout},
	} {
		if got := c.cfg.exporter(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.cfg, got, c.want)
		}
	}
}

// Off is the no-op provider: what the services run with unless configured.
func TestOffIsNoop(t *testing.T) {
	p, err := New(DefaultConfig(), "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.TracerProvider.(noop.TracerProvider); !ok {
		t.Fatalf("off built %T", p.TracerProvider)
	}
	_, span := p.Tracer("t").Start(context.Background(), "s")
	if span.IsRecording() {
		t.Fatal("no-op span records")
	}
	if Enabled(p) || Enabled(nil) || Enabled(noop.NewTracerProvider()) {
		t.Fatal("off counts as enabled")
	}
	if !Enabled(sdktrace.NewTracerProvider()) || !Enabled(NewWithExporter(tracetest.NewNoopExporter(), 1, "x")) {
		t.Fatal("an SDK provider counts as off")
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A no-op provider still passes an upstream context on: the traceparent that arrived is
// the one that leaves, as before tracing existed.
func TestOffPassesTheUpstreamContextOn(t *testing.T) {
	ctx, span := noop.NewTracerProvider().Tracer("t").Start(WithParent(context.Background(), upstream), "s")
	defer span.End()
	if got := Traceparent(ctx); got != upstream {
		t.Fatalf("traceparent %q, want %q", got, upstream)
	}
}

func TestWithParentIgnoresGarbage(t *testing.T) {
	for _, tp := range []string{"", "nonsense", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"} {
		if sc := trace.SpanContextFromContext(WithParent(context.Background(), tp)); sc.IsValid() {
			t.Errorf("%q gave a valid parent %v", tp, sc)
		}
	}
}

// stdout writes one JSON object per span, with the service name, once flushed.
func TestStdoutExporterWritesSpansOnShutdown(t *testing.T) {
	var out bytes.Buffer
	p, err := New(Config{Exporter: ExporterStdout, SampleRatio: 1, Output: &out}, "relay")
	if err != nil {
		t.Fatal(err)
	}
	_, span := p.Tracer(Scope("relay")).Start(context.Background(), "publish")
	span.End()
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Name     string
		Resource []struct {
			Key   string
			Value struct{ Value any }
		}
	}
	if err := json.NewDecoder(&out).Decode(&got); err != nil {
		t.Fatalf("%v in %q", err, out.String())
	}
	if got.Name != "publish" {
		t.Fatalf("span %q", got.Name)
	}
	found := false
	for _, kv := range got.Resource {
		found = found || (kv.Key == "service.name" && kv.Value.Value == "relay")
	}
	if !found {
		t.Fatalf("no service.name=relay in %s", out.String())
	}
}

// Ratio 0 records no new trace, but a request arriving sampled is still recorded: a
// trace is kept or dropped as a whole.
func TestSamplingIsParentBased(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	p := NewWithExporter(exp, 0, "command-api")
	tr := p.Tracer("t")
	_, root := tr.Start(context.Background(), "root")
	_, child := tr.Start(WithParent(context.Background(), upstream), "child")
	if root.IsRecording() || !child.IsRecording() {
		t.Fatalf("root recording %v (want false), child recording %v (want true)", root.IsRecording(), child.IsRecording())
	}
	root.End()
	child.End()
	// ForceFlush, not Shutdown: shutting the in-memory exporter down empties it.
	if err := p.sdk.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Parent.SpanID().String() != "00f067aa0ba902b7" {
		t.Fatalf("exported %v", spans)
	}
}

// Resolve never shuts down a provider it was given: its owner does, once.
func TestResolveKeepsAnInjectedProvider(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	got, shutdown, err := Resolve(tp, Config{Exporter: "bogus"}, "x")
	if err != nil || got != trace.TracerProvider(tp) {
		t.Fatalf("%v %v", got, err)
	}
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("t").Start(context.Background(), "still alive")
	if !span.IsRecording() {
		t.Fatal("the injected provider was shut down")
	}
}

func TestFlagsHaveTwins(t *testing.T) {
	c := DefaultConfig()
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c.Flags(fs)
	if u := envflag.Unbound(fs); len(u) > 0 {
		t.Fatalf("unbound %v", u)
	}
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "RECALL_TRACE_SAMPLE_RATIO": "0.25"}
	if err := envflag.Parse(fs, nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "http://c:4318" || c.SampleRatio != 0.25 || !c.Enabled() {
		t.Fatalf("%+v", c)
	}
}
