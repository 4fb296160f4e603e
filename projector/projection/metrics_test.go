package projection

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestForgetDeletesOnlyThatProjectionsSeries(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	for _, name := range []string{"users.v1", "users.v2"} {
		m.Lag.WithLabelValues(name, "recall.user.events", "0").Set(7)
		m.Paused.WithLabelValues(name, "recall.user.events", "0").Set(1)
		m.Applied.WithLabelValues(name).Inc()
	}
	m.Forget("users.v1")
	for vec, want := range map[prometheus.Collector]int{m.Lag: 1, m.Paused: 1, m.Applied: 1} {
		if got := testutil.CollectAndCount(vec); got != want {
			t.Errorf("%d series left, want %d (users.v2's)", got, want)
		}
	}
	if got := testutil.ToFloat64(m.Lag.WithLabelValues("users.v2", "recall.user.events", "0")); got != 7 {
		t.Errorf("users.v2 lag %v, want 7", got)
	}
}
