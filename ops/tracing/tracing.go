package tracing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/recall-events/recall/ops/envflag"
)

// Exporters Config.Exporter names.
const (
	ExporterAuto   = ""       // OTLP when an endpoint is set, else off
	ExporterOff    = "off"    // the no-op provider
	ExporterOTLP   = "otlp"   // OTLP over HTTP/protobuf to Config.Endpoint
	ExporterStdout = "stdout" // one JSON line per span to Config.Output
)

// ScopePrefix names the instrumentation scope of Recall's tracers: Scope("relay") is
// "github.com/recall-events/recall/relay", the module that emits the spans.
const ScopePrefix = "github.com/recall-events/recall/"

// Scope is the instrumentation scope (tracer name) of a Recall module.
func Scope(module string) string { return ScopePrefix + module }

// Propagator is the W3C trace-context propagator (the traceparent header). Recall passes
// it explicitly instead of installing a global one, so several services in one process
// (make run, the stack tests) never share hidden state.
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// shutdownTimeout bounds the final flush: a collector that is gone must not hold up a
// process that was asked to stop.
const shutdownTimeout = 5 * time.Second

// Config is a process's tracing setup: DefaultConfig, then Flags, then Validate.
type Config struct {
	// Exporter is off, otlp or stdout; empty means otlp when Endpoint is set, else off.
	Exporter string // RECALL_TRACING
	// Endpoint is the OTLP/HTTP base URL (http://collector:4318); spans go to
	// <Endpoint>/v1/traces, as the OpenTelemetry variable of the same name specifies.
	Endpoint string // OTEL_EXPORTER_OTLP_ENDPOINT
	// SampleRatio is the share of root spans (requests arriving without a traceparent)
	// that are recorded; spans with a parent follow the parent's decision.
	SampleRatio float64 // RECALL_TRACE_SAMPLE_RATIO, default 1

	// Not from flags: where the stdout exporter writes; default os.Stdout.
	Output io.Writer
}

// DefaultConfig is tracing off, every root span sampled once it is turned on.
func DefaultConfig() Config { return Config{SampleRatio: 1} }

// Flags binds c's fields to fs with their environment twins.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Exporter, "tracing", c.Exporter, "span exporter: off, otlp or stdout; empty: otlp when --otlp-endpoint is set, else off")
	fs.StringVar(&c.Endpoint, "otlp-endpoint", c.Endpoint, "OTLP/HTTP collector base URL, e.g. http://otel-collector:4318 (spans go to /v1/traces)")
	fs.Float64Var(&c.SampleRatio, "trace-sample-ratio", c.SampleRatio, "share of new traces recorded (0..1); traces begun upstream follow the caller's decision")
	envflag.Bind(fs, "tracing", "RECALL_TRACING")
	envflag.Bind(fs, "otlp-endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT")
	envflag.Bind(fs, "trace-sample-ratio", "RECALL_TRACE_SAMPLE_RATIO")
}

// exporter is the exporter Config selects, with the automatic choice made.
func (c Config) exporter() string {
	if c.Exporter == ExporterAuto {
		if c.Endpoint != "" {
			return ExporterOTLP
		}
		return ExporterOff
	}
	return strings.ToLower(c.Exporter)
}

// Enabled reports whether c records spans at all.
func (c Config) Enabled() bool { return c.exporter() != ExporterOff }

// Validate lists every problem of c at once; the services join it into theirs.
func (c Config) Validate() error {
	var errs []error
	switch c.exporter() {
	case ExporterOff, ExporterStdout:
	case ExporterOTLP:
		if c.Endpoint == "" {
			errs = append(errs, errors.New("RECALL_TRACING=otlp needs OTEL_EXPORTER_OTLP_ENDPOINT"))
		}
	default:
		errs = append(errs, fmt.Errorf("RECALL_TRACING %q: want off, otlp or stdout", c.Exporter))
	}
	if c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT %q: want http(s)://host:port", c.Endpoint))
		}
	}
	if !(c.SampleRatio >= 0 && c.SampleRatio <= 1) { // also refuses NaN
		errs = append(errs, fmt.Errorf("RECALL_TRACE_SAMPLE_RATIO %v outside 0..1", c.SampleRatio))
	}
	return errors.Join(errs...)
}

// Provider is a process's TracerProvider and how to flush it.
type Provider struct {
	trace.TracerProvider
	sdk *sdktrace.TracerProvider // nil when off
}

// New builds the provider c asks for, its spans carrying service.name = service.
// Off, it is the no-op provider and Shutdown does nothing.
func New(c Config, service string) (*Provider, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	var exp sdktrace.SpanExporter
	var err error
	switch c.exporter() {
	case ExporterOff:
		return &Provider{TracerProvider: noop.NewTracerProvider()}, nil
	case ExporterStdout:
		out := c.Output
		if out == nil {
			out = os.Stdout
		}
		exp, err = stdouttrace.New(stdouttrace.WithWriter(out))
	case ExporterOTLP:
		// WithEndpointURL takes the full signal URL; the variable holds the base.
		exp, err = otlptracehttp.New(context.Background(),
			otlptracehttp.WithEndpointURL(strings.TrimRight(c.Endpoint, "/")+"/v1/traces"))
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: %s exporter: %w", c.exporter(), err)
	}
	return NewWithExporter(exp, c.SampleRatio, service), nil
}

// NewWithExporter builds an SDK provider around exp (tests pass an in-memory one):
// batched export, parent-based sampling with ratio for root spans.
func NewWithExporter(exp sdktrace.SpanExporter, ratio float64, service string) *Provider {
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", service))),
	)
	return &Provider{TracerProvider: tp, sdk: tp}
}

// Shutdown flushes the spans still buffered and stops the exporter, for at most five
// seconds (less when ctx ends sooner). Call it after the process's work has stopped
// (after ops.Run returns), so the spans of the last requests are in the flush.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p == nil || p.sdk == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := p.sdk.Shutdown(ctx); err != nil {
		return fmt.Errorf("tracing: flush: %w", err)
	}
	return nil
}

// Resolve returns injected when set (its owner shuts it down) or builds one from c; the
// returned shutdown flushes only a provider built here.
func Resolve(injected trace.TracerProvider, c Config, service string) (trace.TracerProvider, func(context.Context) error, error) {
	if injected != nil {
		return injected, func(context.Context) error { return nil }, nil
	}
	p, err := New(c, service)
	if err != nil {
		return nil, nil, err
	}
	return p, p.Shutdown, nil
}

// Enabled reports whether tp records anything: false for the no-op provider (tracing
// off). Hot paths that would only pass contexts around for a no-op (the relay's and the
// projector's per-record work) skip tracing entirely when it is false.
func Enabled(tp trace.TracerProvider) bool {
	switch p := tp.(type) {
	case nil, noop.TracerProvider:
		return false
	case *Provider:
		return p.sdk != nil
	}
	return true
}
