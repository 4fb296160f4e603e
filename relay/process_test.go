package relay_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// relayBinary builds cmd/relay once per test binary.
func relayBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "relay-bin-"); binErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "relay"), "./cmd/relay").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "relay")
}

// process is the relay run as a subprocess, as in production.
type process struct {
	cmd    *exec.Cmd
	listen string
	done   chan struct{}
}

func (e *env) startProcess(extraEnv ...string) *process {
	e.t.Helper()
	listen := freeAddr(e.t)
	cmd := exec.Command(relayBinary(e.t))
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+e.url,
		"RECALL_KAFKA_BROKERS="+e.kafka.Addrs()[0],
		"RECALL_SCHEMA_REGISTRY_URL="+e.registry.URL(),
		"RECALL_RELAY_SLOT="+e.slot,
		"RECALL_LISTEN_ADDR="+listen,
		"RECALL_TOPIC_PARTITIONS=4",
		"RECALL_RELAY_STATUS_INTERVAL=200ms",
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stderr = testWriter{e.t}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	p := &process{cmd: cmd, listen: listen, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	e.t.Cleanup(func() { p.signal(syscall.SIGKILL) })
	return p
}

func (p *process) ready() bool {
	resp, err := http.Get("http://" + p.listen + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// signal sends sig and waits for the process to exit; it returns the peak RSS in bytes
// (VmHWM, read before the signal: the rusage of a child started by a large test binary
// counts the parent's memory too, since exec keeps the pre-exec high-water mark).
func (p *process) signal(sig syscall.Signal) int64 {
	var hwm int64
	select {
	case <-p.done:
	default:
		hwm = peakRSS(p.cmd.Process.Pid)
		_ = p.cmd.Process.Signal(sig)
		select {
		case <-p.done:
		case <-time.After(60 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	return hwm
}

func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb * 1024
		}
	}
	return 0
}

// memStats picks the Go memory figures from the process's /metrics.
func (p *process) memStats() string {
	resp, err := http.Get("http://" + p.listen + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		for _, m := range []string{"go_memstats_heap_sys_bytes ", "go_memstats_heap_inuse_bytes ", "go_memstats_next_gc_bytes ", "process_resident_memory_bytes ", "go_memstats_stack_inuse_bytes "} {
			if strings.HasPrefix(line, m) {
				out = append(out, line)
			}
		}
	}
	return strings.Join(out, "; ")
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// appender appends to fresh streams until stopped, riding out database outages: after a
// failed append it reads the stream's revision back, since a commit may have succeeded.
type appender struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (e *env) startAppender(workers int) *appender {
	ctx, cancel := context.WithCancel(context.Background())
	a := &appender{cancel: cancel}
	for range workers {
		a.wg.Go(func() {
			for ctx.Err() == nil {
				e.appendResilient(ctx, 3)
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	return a
}

func (a *appender) stop() { a.cancel(); a.wg.Wait() }

func (e *env) appendResilient(ctx context.Context, n int) {
	id := newID()
	rev := int64(0)
	for rev < int64(n) && ctx.Err() == nil {
		ev := roleChanged()
		if rev == 0 {
			ev = userCreated(id)
		}
		if _, err := e.store.Append(ctx, appendReq(id, rev, ev)); err != nil {
			time.Sleep(100 * time.Millisecond)
			if got, err := e.store.StreamRevision(context.Background(), id); err == nil {
				rev = got
			}
			continue
		}
		rev++
	}
}
