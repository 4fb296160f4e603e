package httpapi

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestReadWaitParams(t *testing.T) {
	for _, tc := range []struct {
		query  string
		minRev int64
		wait   time.Duration
		field  string // the field refused, if any
	}{
		{"", 0, DefaultReadWait, ""},
		{"min_revision=7", 7, DefaultReadWait, ""},
		{"min_revision=7&wait=500ms", 7, 500 * time.Millisecond, ""},
		{"min_revision=7&wait=1.5", 7, 1500 * time.Millisecond, ""},
		{"min_revision=7&wait=0", 7, 0, ""},
		{"min_revision=7&wait=30s", 7, MaxReadWait, ""}, // capped, not refused
		{"min_revision=7&wait=1e9", 7, MaxReadWait, ""}, // seconds, capped before they overflow
		{"min_revision=7&wait=2h", 7, MaxReadWait, ""},  // capped
		{"wait=3s", 0, 3 * time.Second, ""},             // checked, and unused without min_revision
		{"min_revision=0", 0, 0, "min_revision"},        // revisions start at 1
		{"min_revision=-2", 0, 0, "min_revision"},
		{"min_revision=9223372036854775808", 0, 0, "min_revision"},
		{"min_revision=1&wait=-1ms", 0, 0, "wait"},
		{"min_revision=1&wait=-0.5", 0, 0, "wait"},
		{"min_revision=1&wait=Inf", 0, 0, "wait"},
		{"min_revision=1&wait=", 0, 0, "wait"},
		{"min_revision=1&wait=2%20s", 0, 0, "wait"},
		{"min_revision=1&wait=99999999h", 0, 0, "wait"}, // beyond time.Duration
	} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/v1/users/x?"+tc.query, nil)
		minRev, wait, p := readWaitParams(c)
		switch {
		case tc.field == "" && p != nil:
			t.Errorf("%s: unexpected %+v", tc.query, p)
		case tc.field != "" && (p == nil || p.Status != 422 || p.Errors[tc.field] == ""):
			t.Errorf("%s: got %+v, want 422 on %s", tc.query, p, tc.field)
		case tc.field == "" && (minRev != tc.minRev || wait != tc.wait):
			t.Errorf("%s: got %d, %s; want %d, %s", tc.query, minRev, wait, tc.minRev, tc.wait)
		}
	}
}

func TestNoneMatch(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{`"3"`, true},
		{`W/"3"`, true},
		{`"1", "3"`, true},
		{`"1",W/"3"`, true},
		{`*`, true},
		{`"4"`, false},
		{`3`, false},
		{`"33"`, false},
	} {
		if got := noneMatch(tc.header, 3); got != tc.want {
			t.Errorf("If-None-Match %s: %v, want %v", tc.header, got, tc.want)
		}
	}
}

// FuzzQueryParams feeds arbitrary query strings to the query routes' parameter decoders:
// they never panic, a refusal is a 422 naming a field, and what they accept is in range.
func FuzzQueryParams(f *testing.F) {
	for _, seed := range []string{"", "min_revision=3&wait=2s", "wait=1e308", "wait=-0", "min_revision=%00",
		"page_size=200&status=active&role=user", "username=%ff&email=a%25", "page_size=0x10", "wait=1.5&wait=3"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("GET", "/v1/users", nil)
		c.Request.URL.RawQuery = query
		minRev, wait, p := readWaitParams(c)
		if p != nil && (p.Status != 422 || len(p.Errors) == 0) || p == nil && (minRev < 0 || wait < 0 || wait > MaxReadWait) {
			t.Fatalf("%q: %d, %s, %+v", query, minRev, wait, p)
		}
		lp, p := listParams(c)
		if p != nil && (p.Status != 422 || len(p.Errors) == 0) || p == nil && (lp.PageSize < 1 || lp.PageSize > 200) {
			t.Fatalf("%q: %+v, %+v", query, lp, p)
		}
	})
}
