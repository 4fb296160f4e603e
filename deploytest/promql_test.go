package deploytest

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// promql parses PromQL as the Prometheus server does.
var promql = parser.NewParser(parser.Options{})

// TestAlertRulesAreValid is `promtool check rules`: YAML shape, PromQL,
// durations, label names and annotation templates of files/alerts.yaml.
func TestAlertRulesAreValid(t *testing.T) {
	groups, errs := rulefmt.ParseFile(filepath.Join(chartDir, "files", "alerts.yaml"), false,
		model.UTF8Validation, promql, slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Error(err)
	}
	if groups != nil && len(groups.Groups) == 0 {
		t.Error("no rule groups")
	}
}

// TestDashboardQueriesParse: every panel query is valid PromQL once Grafana's
// $__rate_interval is substituted.
func TestDashboardQueriesParse(t *testing.T) {
	for where, expr := range dashboardExprs(t) {
		q := strings.ReplaceAll(expr, "$__rate_interval", "1m")
		if _, err := promql.ParseExpr(q); err != nil {
			t.Errorf("%s: %q: %v", where, expr, err)
		}
	}
}
