package deploytest

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var dashboardPath = filepath.Join(root, "deploy", "grafana", "dashboards", "recall.json")

// recallMetric finds Recall's metric names in a PromQL expression.
var recallMetric = regexp.MustCompile(`\brecall_[a-z0-9_]+`)

// baseMetric strips the series suffixes a histogram or summary exposes.
func baseMetric(name string, registered map[string]bool) string {
	if registered[name] {
		return name
	}
	for _, suf := range []string{"_bucket", "_count", "_sum"} {
		if b, ok := strings.CutSuffix(name, suf); ok && registered[b] {
			return b
		}
	}
	return name
}

type dashboard struct {
	UID    string  `json:"uid"`
	Title  string  `json:"title"`
	Panels []panel `json:"panels"`
}

type panel struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal(readFile(t, dashboardPath), &d); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	if d.UID == "" || d.Title == "" {
		t.Fatal("dashboard without uid or title")
	}
	exprs := map[string]string{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for i, tg := range p.Targets {
				exprs[p.Title+"#"+string(rune('A'+i))] = tg.Expr
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return exprs
}

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func alertRules(t *testing.T) ruleFile {
	t.Helper()
	var rf ruleFile
	if err := yaml.Unmarshal(readFile(t, filepath.Join(chartDir, "files", "alerts.yaml")), &rf); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	return rf
}

// TestDashboardMetricsAreRegistered: every recall_* metric a panel queries is
// registered by some service, so a renamed metric breaks this test rather
// than leaving an empty panel.
func TestDashboardMetricsAreRegistered(t *testing.T) {
	registered := registeredMetrics(t)
	exprs := dashboardExprs(t)
	if len(exprs) == 0 {
		t.Fatal("dashboard has no queries")
	}
	for where, expr := range exprs {
		names := recallMetric.FindAllString(expr, -1)
		if len(names) == 0 {
			t.Errorf("%s: %q queries no recall_* metric", where, expr)
		}
		for _, n := range names {
			if !registered[baseMetric(n, registered)] {
				t.Errorf("%s: metric %s is not registered by any service (registered: %v)", where, n, sortedKeys(registered))
			}
		}
	}
}

// TestDashboardCoversTheIssue: the panels the issue asks for are there.
func TestDashboardCoversTheIssue(t *testing.T) {
	var all strings.Builder
	for _, e := range dashboardExprs(t) {
		all.WriteString(e + "\n")
	}
	for what, metric := range map[string]string{
		"HTTP RED":             "recall_http_request_duration_seconds_bucket",
		"commands":             "recall_commands_total",
		"relay throughput":     "recall_relay_events_published_total",
		"slot lag":             "recall_relay_slot_lag_bytes",
		"consumer lag":         "recall_projector_consumer_lag",
		"end-to-end latency":   "recall_projector_end_to_end_seconds_bucket",
		"DLQ":                  "recall_projector_dead_letters_total",
		"open dead letters":    "recall_projector_dead_letters_open",
		"relay connected":      "recall_relay_connected",
		"HTTP errors by route": `status_class="5xx"`,
	} {
		if !strings.Contains(all.String(), metric) {
			t.Errorf("dashboard has no %s panel (%s)", what, metric)
		}
	}
}

func TestAlertMetricsAreRegistered(t *testing.T) {
	registered := registeredMetrics(t)
	alerts := map[string]bool{}
	for _, g := range alertRules(t).Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = true
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("%s: needs a severity label and a summary", r.Alert)
			}
			for _, n := range recallMetric.FindAllString(r.Expr, -1) {
				if !registered[baseMetric(n, registered)] {
					t.Errorf("alert %s: metric %s is not registered by any service", r.Alert, n)
				}
			}
		}
	}
	for _, want := range []string{"RecallRelayDisconnected", "RecallRelaySlotLagHigh", "RecallConsumerLagHigh", "RecallDeadLettersGrowing", "RecallDeadLettersOpen"} {
		if !alerts[want] {
			t.Errorf("alert %s missing", want)
		}
	}
}

// TestPrometheusScrapesEveryService: deploy/prometheus/prometheus.yml scrapes
// the three processes on the ports docker-compose gives them.
func TestPrometheusScrapesEveryService(t *testing.T) {
	var cfg struct {
		RuleFiles     []string `yaml:"rule_files"`
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(readFile(t, filepath.Join(root, "deploy", "prometheus", "prometheus.yml")), &cfg); err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		for _, s := range sc.StaticConfigs {
			for _, tg := range s.Targets {
				targets[tg] = true
			}
		}
	}
	for _, want := range []string{"command-api:8080", "relay:9101", "projector:9102"} {
		if !targets[want] {
			t.Errorf("prometheus.yml does not scrape %s (targets %v)", want, sortedKeys(targets))
		}
	}
	if len(cfg.RuleFiles) == 0 {
		t.Error("prometheus.yml loads no rule files")
	}
}
