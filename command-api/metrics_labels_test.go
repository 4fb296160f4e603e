package commandapi_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricLabelsAreBounded: unauthenticated requests with made-up methods and paths
// must not grow the HTTP series (the review grew them from 533 to 39,546 with 3,000
// random methods): method, route and status come from fixed sets.
func TestMetricLabelsAreBounded(t *testing.T) {
	a := start(t, "")
	a.do("GET", "/livez", "", nil, nil).want(t, 200)
	a.do("GET", "/nowhere", "", nil, nil).want(t, 404)
	a.do("FOO", "/livez", "", nil, nil)
	const name = "recall_http_request_duration_seconds"
	before := testutil.CollectAndCount(a.reg, name)
	for i := range 300 {
		method := fmt.Sprintf("M%08X", rand.Uint32())
		a.do(method, "/livez", "", nil, nil)
		a.do(method, fmt.Sprintf("/v1/users/%d/%x", i, rand.Uint64()), "", nil, nil)
		a.do("GET", fmt.Sprintf("/random/%x", rand.Uint64()), "", nil, nil)
	}
	if after := testutil.CollectAndCount(a.reg, name); after > before+2 {
		t.Fatalf("%d series after 900 made-up requests, %d before: labels are not bounded", after, before)
	}
	body := string(a.do("GET", "/metrics", "", nil, nil).want(t, 200).Body)
	for _, want := range []string{`method="other"`, `route="unmatched"`, `status_class="4xx"`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, `method="M`) || strings.Contains(body, `/random/`) {
		t.Fatal("a raw method or path reached a label")
	}
	if strings.Contains(a.logs.String(), `"method":"M`) {
		t.Fatal("a raw method reached the log")
	}
}
