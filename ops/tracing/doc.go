// Package tracing gives every Recall process the same OpenTelemetry tracing: one Config
// (flags with environment twins, like the rest of the command line), one TracerProvider
// built from it, and the W3C trace-context propagator the services use at their edges
// (HTTP headers, event metadata, Kafka record headers).
//
// Tracing is off by default: New then returns OpenTelemetry's no-op provider, whose
// spans record nothing and cost a few nanoseconds, so the instrumented code paths need no
// "if enabled" of their own. Setting OTEL_EXPORTER_OTLP_ENDPOINT (or --otlp-endpoint)
// turns on OTLP/HTTP export; RECALL_TRACING=stdout writes one JSON object per finished
// span to Config.Output instead (make run: the log file). Root spans are sampled at
// --trace-sample-ratio; a span whose parent came from upstream follows the parent's
// sampled flag (parent-based), so one request is traced end to end or not at all.
//
//	tp, err := tracing.New(cfg.Tracing, "relay")
//	if err != nil { ... }
//	defer tp.Shutdown(context.Background()) // flushes buffered spans, bounded
//	tracer := tp.Tracer(tracing.Scope("relay"))
//
// A caller that owns a provider already (a test with an in-memory exporter, a process
// running several services) passes it to each service's Config.TracerProvider instead;
// a service never shuts down a provider it did not build.
package tracing
