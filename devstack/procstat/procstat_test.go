package procstat

import (
	"os"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		line string
		want Stat
		ok   bool
	}{
		// A command name with spaces and a parenthesis, as postgres backends have.
		{"4242 (postgres: a (b) c) S 17 4242 4242 0 -1 4194560 95 0 0 0 250 31 0 0 20 0 1 0 1234 0 0", Stat{PPID: 17, CPU: 2810 * time.Millisecond}, true},
		{"1 (init) S 0 1 1 0 -1 4194560 95 0 0 0 7 3 0 0 20 0 1 0 1 0 0", Stat{PPID: 0, CPU: 100 * time.Millisecond}, true},
		{"1 (init) S 0 1", Stat{}, false},
		{"no parenthesis at all 1 2 3 4 5 6 7 8 9 10 11 12 13", Stat{}, false},
		{"1 (x) S zero 1 1 0 -1 4194560 95 0 0 0 7 3 0 0 20 0 1 0 1 0 0", Stat{}, false},
	} {
		got, ok := parse(c.line)
		if got != c.want || ok != c.ok {
			t.Errorf("parse(%q) = %+v, %v; want %+v, %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

// This process: its parent is our parent, and burning CPU moves CPU.
func TestReadSelf(t *testing.T) {
	s, ok := Read(os.Getpid())
	if !ok {
		t.Skip("no /proc here")
	}
	if s.PPID != os.Getppid() {
		t.Fatalf("ppid %d, want %d", s.PPID, os.Getppid())
	}
	// Spin until a clock tick (10 ms of CPU) is counted; on a busy machine that may take
	// longer in wall time, hence the generous bound.
	before := CPU(os.Getpid())
	for end := time.Now().Add(10 * time.Second); CPU(os.Getpid()) <= before; {
		if time.Now().After(end) {
			t.Fatalf("CPU did not move from %v in 10 s of spinning", before)
		}
	}
	if _, ok := Read(-1); ok {
		t.Fatal("read a process that cannot exist")
	}
}
