package relay_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/recall-events/recall/relay"
)

// metric is a summed value of a gathered metric family, as a Collector for testutil.
type metric float64

func (m metric) Describe(chan<- *prometheus.Desc) {}
func (m metric) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("m", "m", nil, nil), prometheus.UntypedValue, float64(m))
}

// counter sums every series of a family on the relay's registry.
func counter(t testing.TB, cfg relay.Config, name string) prometheus.Collector {
	t.Helper()
	fams, err := cfg.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			sum += value(m)
		}
	}
	return metric(sum)
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

func gauge(t testing.TB, cfg relay.Config, name string) float64 {
	return float64(counter(t, cfg, name).(metric))
}
