package deploytest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/promqltest"
)

// rule is one alert of files/alerts.yaml: its expression and its for.
func rule(t *testing.T, name string) (expr string, hold time.Duration) {
	t.Helper()
	for _, g := range alertRules(t).Groups {
		for _, r := range g.Rules {
			if r.Alert != name {
				continue
			}
			if r.For != "" {
				d, err := model.ParseDuration(r.For)
				if err != nil {
					t.Fatal(err)
				}
				hold = time.Duration(d)
			}
			return r.Expr, hold
		}
	}
	t.Fatalf("alert %s missing", name)
	return "", 0
}

// firesAt evaluates an alert as the rule manager does (every 15 s; pending while the
// expression has a result, firing once it has held for `for`) over series loaded in the
// promqltest format, and returns when each "partition=P,instance=I" first fires.
func firesAt(t *testing.T, alert, series string, until time.Duration) map[string]time.Duration {
	t.Helper()
	expr, hold := rule(t, alert)
	st := promqltest.LoadedStorage(t, series)
	eng := promqltest.NewTestEngine(t, false, 5*time.Minute, promqltest.DefaultMaxSamplesPerQuery)
	pending, fired := map[string]time.Duration{}, map[string]time.Duration{}
	for at := time.Duration(0); at <= until; at += 15 * time.Second {
		q, err := eng.NewInstantQuery(context.Background(), st, nil, expr, time.Unix(0, 0).Add(at))
		if err != nil {
			t.Fatal(err)
		}
		res := q.Exec(context.Background())
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		vec, err := res.Vector()
		if err != nil {
			t.Fatal(err)
		}
		active := map[string]bool{}
		for _, s := range vec {
			k := "partition=" + s.Metric.Get("partition") + ",instance=" + s.Metric.Get("instance")
			active[k] = true
			if _, ok := pending[k]; !ok {
				pending[k] = at
			}
			if _, ok := fired[k]; !ok && at-pending[k] >= hold {
				fired[k] = at
			}
		}
		for k := range pending {
			if !active[k] {
				delete(pending, k)
			}
		}
		q.Close()
	}
	return fired
}

// TestStallAlertFiresOnTheDrillsStall replays the drill of issue 17 as the projector now
// reports it: partitions held by members that died without leaving lag and never see a
// commit again, while the live member's partition keeps committing. The alert must fire
// for the stuck partitions within a few minutes, and never for one that progresses, even
// when a busy partition lags for a while between commits.
func TestStallAlertFiresOnTheDrillsStall(t *testing.T) {
	const labels = `projection="users.v1",topic="recall.user.events"`
	series := fmt.Sprintf(`
load 15s
  recall_projector_partition_stalled_seconds{%[1]s,partition="3",instance="p0"} 0 0 0 0+15x60
  recall_projector_partition_stalled_seconds{%[1]s,partition="3",instance="p1"} 0 0 0 0+15x60
  recall_projector_partition_stalled_seconds{%[1]s,partition="4",instance="p0"} 0 0 0 0 0 0 0 0 0 0+15x50
  recall_projector_partition_stalled_seconds{%[1]s,partition="0",instance="p0"} 0 0 15 30 45 0 0 15 30 45 0 15 30 45 0+0x50
  recall_projector_partition_stalled_seconds{%[1]s,partition="1",instance="p0"} 0+0x63
`, labels)
	fired := firesAt(t, "RecallProjectionStalled", series, 15*time.Minute)
	want := map[string]bool{"3": true, "4": true}
	for k, at := range fired {
		var p string
		for _, part := range []string{"0", "1", "3", "4"} {
			if containsLabel(k, "partition", part) {
				p = part
			}
		}
		if !want[p] {
			t.Errorf("fired for a partition that makes progress: %s at %v", k, at)
			continue
		}
		if containsLabel(k, "instance", "p0") || containsLabel(k, "instance", "p1") {
			t.Errorf("fires per scraping instance, not once per partition: %s", k)
		}
		if at > 5*time.Minute {
			t.Errorf("%s fired only %v after the stall began", k, at)
		}
		delete(want, p)
	}
	for p := range want {
		t.Errorf("did not fire for stalled partition %s (fired: %v)", p, fired)
	}
}

func containsLabel(key, name, value string) bool {
	return strings.Contains(","+key+",", ","+name+"="+value+",")
}
