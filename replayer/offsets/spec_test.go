package offsets

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		name  string
		flags SpecFlags
		want  Spec
		err   bool
	}{
		{"earliest", SpecFlags{ToEarliest: true}, Spec{Kind: ToEarliest}, false},
		{"latest", SpecFlags{ToLatest: true}, Spec{Kind: ToLatest}, false},
		{"offset", SpecFlags{ToOffset: "42"}, Spec{Kind: ToOffset, Offset: 42}, false},
		{"negative offset", SpecFlags{ToOffset: "-1"}, Spec{}, true},
		{"datetime", SpecFlags{ToDatetime: "2026-03-15T15:47:00Z"}, Spec{Kind: ToDatetime, At: time.Date(2026, 3, 15, 15, 47, 0, 0, time.UTC)}, false},
		{"datetime kafka style", SpecFlags{ToDatetime: "2026-03-15T15:47:00.000"}, Spec{Kind: ToDatetime, At: time.Date(2026, 3, 15, 15, 47, 0, 0, time.UTC)}, false},
		{"datetime with zone", SpecFlags{ToDatetime: "2026-03-15T16:47:00+01:00"}, Spec{Kind: ToDatetime, At: time.Date(2026, 3, 15, 15, 47, 0, 0, time.UTC)}, false},
		{"bad datetime", SpecFlags{ToDatetime: "yesterday"}, Spec{}, true},
		{"duration", SpecFlags{ByDuration: "PT1H"}, Spec{Kind: ByDuration, Duration: time.Hour}, false},
		{"shift back", SpecFlags{ShiftBy: "-100"}, Spec{Kind: ShiftBy, Shift: -100}, false},
		{"shift forward", SpecFlags{ShiftBy: "+5"}, Spec{Kind: ShiftBy, Shift: 5}, false},
		{"bad shift", SpecFlags{ShiftBy: "ten"}, Spec{}, true},
		{"current", SpecFlags{ToCurrent: true}, Spec{Kind: ToCurrent}, false},
		{"missing file", SpecFlags{FromFile: "/nonexistent/plan.csv"}, Spec{}, true},
		{"current and offset", SpecFlags{ToCurrent: true, ToOffset: "1"}, Spec{}, true},
		{"none", SpecFlags{}, Spec{}, true},
		{"two", SpecFlags{ToEarliest: true, ToLatest: true}, Spec{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSpec(tt.flags)
			if tt.err {
				if !errors.Is(err, ErrSpec) {
					t.Fatalf("err = %v, want ErrSpec", err)
				}
				return
			}
			if err != nil || got.Kind != tt.want.Kind || got.Offset != tt.want.Offset ||
				!got.At.Equal(tt.want.At) || got.Duration != tt.want.Duration || got.Shift != tt.want.Shift {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseISODuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"PT1H", time.Hour, false},
		{"PT30M", 30 * time.Minute, false},
		{"P1D", 24 * time.Hour, false},
		{"P1DT2H30M", 26*time.Hour + 30*time.Minute, false},
		{"PT0.5S", 500 * time.Millisecond, false},
		{"pt15m", 15 * time.Minute, false},
		{"P", 0, true},
		{"PT", 0, true},
		{"P1Y", 0, true},
		{"1h", 0, true},
		{"PT0S", 0, true},
		{"P99999999999999999999D", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseISODuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseISODuration(%q) = %v, %v; want %v (err %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestTarget(t *testing.T) {
	b := Bounds{Current: 50, LogStart: 10, LogEnd: 100, ForTime: 70}
	tests := []struct {
		name string
		spec Spec
		b    Bounds
		want int64
	}{
		{"earliest", Spec{Kind: ToEarliest}, b, 10},
		{"latest", Spec{Kind: ToLatest}, b, 100},
		{"offset inside", Spec{Kind: ToOffset, Offset: 42}, b, 42},
		{"offset below start clamps", Spec{Kind: ToOffset, Offset: 3}, b, 10},
		{"offset past end clamps", Spec{Kind: ToOffset, Offset: 1000}, b, 100},
		{"datetime", Spec{Kind: ToDatetime}, b, 70},
		{"datetime after last record", Spec{Kind: ToDatetime}, Bounds{Current: 50, LogStart: 10, LogEnd: 100, ForTime: -1}, 100},
		{"duration", Spec{Kind: ByDuration}, b, 70},
		{"shift back", Spec{Kind: ShiftBy, Shift: -20}, b, 30},
		{"shift back past start", Spec{Kind: ShiftBy, Shift: -200}, b, 10},
		{"shift forward past end", Spec{Kind: ShiftBy, Shift: 200}, b, 100},
		{"shift with nothing committed", Spec{Kind: ShiftBy, Shift: 5}, Bounds{Current: -1, LogStart: 10, LogEnd: 100}, 15},
		{"empty partition", Spec{Kind: ToOffset, Offset: 5}, Bounds{Current: -1}, 0},
	}
	for _, tt := range tests {
		if got := Target(tt.spec, tt.b); got != tt.want {
			t.Errorf("%s: Target = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func FuzzParseISODuration(f *testing.F) {
	for _, s := range []string{"PT1H", "P1DT2H30M", "PT0.5S", "P", "PT", "P1Y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseISODuration(s)
		if err == nil && d <= 0 {
			t.Fatalf("%q parsed to non-positive %v", s, d)
		}
	})
}

func TestReadCSV(t *testing.T) {
	got, err := ReadCSV(strings.NewReader("a,0,5\na,1,7\nb,0,0\n"))
	if err != nil || got["a"][0] != 5 || got["a"][1] != 7 || len(got["b"]) != 1 || len(got.Topics()["a"]) != 2 {
		t.Fatalf("ReadCSV = %v, %v", got, err)
	}
	for _, bad := range []string{"", "a,0\n", "a,x,1\n", "a,0,-1\n", ",0,1\n", "a,-1,3\n"} {
		if _, err := ReadCSV(strings.NewReader(bad)); !errors.Is(err, ErrSpec) {
			t.Errorf("ReadCSV(%q) = %v, want ErrSpec", bad, err)
		}
	}
	plan := &Plan{Partitions: []Partition{{Topic: "a", Partition: 0, Target: 5}, {Topic: "a", Partition: 1, Target: 7}}}
	var b strings.Builder
	if err := plan.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	if back, err := ReadCSV(strings.NewReader(b.String())); err != nil || back["a"][0] != 5 || back["a"][1] != 7 {
		t.Fatalf("WriteCSV → ReadCSV = %v, %v", back, err)
	}
}

func TestTargetToCurrentAndFromFile(t *testing.T) {
	b := Bounds{Current: 4, LogStart: 2, LogEnd: 10, ForTime: -1, FromFile: 12}
	if got := Target(Spec{Kind: ToCurrent}, b); got != 4 {
		t.Errorf("to-current = %d, want 4", got)
	}
	b.Current = -1
	if got := Target(Spec{Kind: ToCurrent}, b); got != 2 {
		t.Errorf("to-current, nothing committed = %d, want the log start 2", got)
	}
	if got := Target(Spec{Kind: FromFile}, b); got != 10 {
		t.Errorf("from-file beyond the log = %d, want it clamped to 10", got)
	}
}
