package deploytest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
)

// The tracing profile adds a collector and Jaeger, pinned, off by default; the services
// send nowhere until OTEL_EXPORTER_OTLP_ENDPOINT is set, and then to the collector, whose
// pipeline ends in Jaeger.
func TestComposeTracingProfile(t *testing.T) {
	if p := loadCompose(t); p.Services["otel-collector"].Name != "" || p.Services["jaeger"].Name != "" {
		t.Fatal("the tracing services run without --profile tracing")
	}
	env := types.Mapping{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4318"}
	for k, v := range composeEnv {
		env[k] = v
	}
	dir, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir: dir, ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "docker-compose.yml")}}, Environment: env,
	}, func(o *loader.Options) { o.SetProjectName("recall", true); o.Profiles = []string{"tracing"} })
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"otel-collector", "jaeger"} {
		s, ok := p.Services[name]
		if !ok {
			t.Fatalf("no %s in the tracing profile", name)
		}
		if !pinnedImage.MatchString(s.Image) || !strings.Contains(s.Image, ":") || strings.HasSuffix(s.Image, ":latest") {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
	}
	for _, name := range []string{"command-api", "relay", "projector"} {
		if got := p.Services[name].Environment["OTEL_EXPORTER_OTLP_ENDPOINT"]; got == nil || *got != "http://otel-collector:4318" {
			t.Errorf("%s: OTEL_EXPORTER_OTLP_ENDPOINT %v", name, got)
		}
		if got := loadCompose(t).Services[name].Environment["OTEL_EXPORTER_OTLP_ENDPOINT"]; got != nil && *got != "" {
			t.Errorf("%s: tracing on by default (%s)", name, *got)
		}
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy", "otel-collector", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Receivers map[string]struct {
			Protocols map[string]struct{ Endpoint string }
		}
		Exporters map[string]struct{ Endpoint string }
		Service   struct {
			Pipelines map[string]struct{ Receivers, Exporters []string }
		}
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if ep := cfg.Receivers["otlp"].Protocols["http"].Endpoint; !strings.HasSuffix(ep, ":4318") {
		t.Errorf("collector's OTLP/HTTP receiver on %q, the services send to :4318", ep)
	}
	tr := cfg.Service.Pipelines["traces"]
	if len(tr.Exporters) != 1 || !strings.HasPrefix(cfg.Exporters[tr.Exporters[0]].Endpoint, "jaeger:") {
		t.Errorf("the traces pipeline exports to %v, want Jaeger", tr.Exporters)
	}
}

// The chart's tracing values reach command-api, relay and projector as the binaries'
// variables, nothing when no endpoint is set (tracing off), and bad values are refused.
func TestChartTracing(t *testing.T) {
	env := func(d *appsv1.Deployment) map[string]string {
		out := map[string]string{}
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			out[e.Name] = e.Value
		}
		return out
	}
	for comp, d := range deployments(t, mustRender(t, nil)) {
		if e := env(d); e["OTEL_EXPORTER_OTLP_ENDPOINT"] != "" || e["RECALL_TRACE_SAMPLE_RATIO"] != "" {
			t.Errorf("%s: tracing on by default: %v", comp, e)
		}
	}
	deps := deployments(t, mustRender(t, map[string]any{"tracing": map[string]any{"otlpEndpoint": "http://otel-collector:4318", "sampleRatio": 0.5}}))
	for _, comp := range []string{"command-api", "relay", "projector"} {
		e := env(deps[comp])
		if e["OTEL_EXPORTER_OTLP_ENDPOINT"] != "http://otel-collector:4318" || e["RECALL_TRACE_SAMPLE_RATIO"] != "0.5" {
			t.Errorf("%s: tracing env %v", comp, e)
		}
	}
	for _, bad := range []map[string]any{{"otlpEndpoint": "otel-collector:4318"}, {"sampleRatio": 2}} {
		if _, err := renderChart(map[string]any{"tracing": bad}); err == nil {
			t.Errorf("tracing %v rendered", bad)
		}
	}
}
