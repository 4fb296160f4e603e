package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime: 100 on Linux.
const clockTicks = 100

// Stat is what one read of /proc/<pid>/stat says.
type Stat struct {
	PPID int           // parent process id
	CPU  time.Duration // user + system time of all its threads so far
}

// Read reads pid's stat; ok is false when the process is gone (or this is not Linux).
func Read(pid int) (s Stat, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Stat{}, false
	}
	return parse(string(b))
}

// parse reads the fields after the command name, which is in parentheses and may hold
// spaces and parentheses itself: [0] state, [1] ppid, [11] utime, [12] stime.
func parse(line string) (Stat, bool) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return Stat{}, false
	}
	f := strings.Fields(line[i+1:])
	if len(f) < 13 {
		return Stat{}, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	ut, err2 := strconv.ParseInt(f[11], 10, 64)
	st, err3 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return Stat{}, false
	}
	return Stat{PPID: ppid, CPU: time.Duration(ut+st) * time.Second / clockTicks}, true
}

// CPU is pid's CPU time so far (0 when it is gone).
func CPU(pid int) time.Duration {
	s, _ := Read(pid)
	return s.CPU
}

// Sum is the CPU time of pids so far.
func Sum(pids []int) time.Duration {
	var sum time.Duration
	for _, pid := range pids {
		sum += CPU(pid)
	}
	return sum
}

// ChildrenCPU sums the CPU time of root's live children (PostgreSQL's backends and
// auxiliary processes when root is the postmaster). Children that exited are missed.
func ChildrenCPU(root int) time.Duration {
	ents, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, ok := Read(pid); ok && s.PPID == root {
			sum += s.CPU
		}
	}
	return sum
}

// TreeCPU is root's CPU time plus its live children's.
func TreeCPU(root int) time.Duration { return CPU(root) + ChildrenCPU(root) }
