package report

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// Machine is what the figures were measured on. The machine is shared with other test
// runs, which is why every figure is a median and every comparison is within one run.
type Machine struct {
	CPUs      int     `json:"cpus"`
	CPUModel  string  `json:"cpu_model"`
	MemoryGiB float64 `json:"memory_gib"`
	Postgres  string  `json:"postgres"`
	Go        string  `json:"go"`
	OS        string  `json:"os"`
	// LoadStart and LoadEnd are the 1-minute load averages when the run started and
	// ended: on a shared 2-core machine they say how much of it the run really had.
	LoadStart string `json:"loadavg_start"`
	LoadEnd   string `json:"loadavg_end"`
}

// LoadAverage is the 1-minute load average.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// ThisMachine describes the machine the harness runs on.
func ThisMachine(postgres string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), Postgres: postgres, OS: runtime.GOOS + "/" + runtime.GOARCH,
		LoadStart: LoadAverage()}
	m.CPUModel = field("/proc/cpuinfo", "model name")
	var kb float64
	if v := field("/proc/meminfo", "MemTotal"); v != "" {
		for _, c := range strings.TrimSuffix(v, " kB") {
			if c >= '0' && c <= '9' {
				kb = kb*10 + float64(c-'0')
			}
		}
	}
	m.MemoryGiB = kb / (1 << 20)
	return m
}

// field is the value after "name:" on the first line of file that starts with name.
func field(file, name string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
