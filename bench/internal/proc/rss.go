package proc

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PeakRSS is the process's resident-set high-water mark (VmHWM) in bytes, or 0 once it
// has exited. Read it before stopping the process: getrusage of a child would not do,
// because exec keeps the pre-exec high-water mark of a large parent.
func (p *Process) PeakRSS() int64 {
	if p.Exited() {
		return 0
	}
	v, _ := statusField(p.Pid(), "VmHWM:")
	return v
}

// statusField reads a "kB" field of /proc/<pid>/status, in bytes.
func statusField(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("proc: %s not in /proc/%d/status", field, pid)
}
