package readmodel

import (
	"fmt"
	"strings"
	"testing"
)

func TestNotifyPayloads(t *testing.T) {
	changes := func(n int) []change {
		out := make([]change, n)
		for i := range out {
			out[i] = change{id: fmt.Sprintf("0190a4c2-0000-7000-8000-%012d", i), revision: int64(i) * 1_000_000_007}
		}
		return out
	}
	for _, n := range []int{1, 100, 500, 1000} {
		ps := notifyPayloads("users_v1", changes(n))
		var got []change
		for _, p := range ps {
			if len(p) >= 8000 || !strings.HasPrefix(p, "users_v1 ") {
				t.Fatalf("%d changes: payload of %d bytes: %.40q", n, len(p), p)
			}
			pn := parseNotification(p)
			if pn.tableWide || pn.table != "users_v1" {
				t.Fatalf("%d changes: parsed %+v", n, pn)
			}
			got = append(got, pn.changes...)
		}
		if fmt.Sprint(got) != fmt.Sprint(changes(n)) {
			t.Fatalf("%d changes: round trip lost some (%d payloads, %d back)", n, len(ps), len(got))
		}
	}
	if ps := notifyPayloads("users_v1", changes(5000)); len(ps) != 1 || ps[0] != "users_v1" {
		t.Fatalf("a huge batch: %d payloads, want one table-wide", len(ps))
	}
	for _, p := range []string{"users_v1", "", "users_v1 nonsense", "users_v1 0190a4c2-0000-7000-8000-000000000001:x"} {
		if pn := parseNotification(p); !pn.tableWide {
			t.Fatalf("%q: %+v, want table-wide", p, pn)
		}
	}
}

func FuzzParseNotification(f *testing.F) {
	f.Add("users_v1 0190a4c2-0000-7000-8000-000000000001:7")
	f.Add("users_v1")
	f.Fuzz(func(t *testing.T, p string) {
		n := parseNotification(p)
		if !n.tableWide && len(n.changes) == 0 {
			t.Fatalf("%q: neither table-wide nor changes", p)
		}
	})
}
