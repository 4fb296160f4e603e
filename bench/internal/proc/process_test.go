package proc

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// signalled is the signal that ended p, or 0.
func signalled(p *Process) syscall.Signal {
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return ws.Signal()
		}
	}
	return 0
}

func TestStop(t *testing.T) {
	for _, tt := range []struct {
		name   string
		script string
		want   syscall.Signal
		within time.Duration
	}{
		{"graceful: SIGTERM ends it", "exec sleep 30", syscall.SIGTERM, 2 * time.Second},
		{"ignores SIGTERM: killed after the grace", `trap "" TERM; exec sleep 30`, syscall.SIGKILL, 3 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := startScript(tt.script, 300*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // let sh install its trap
			began := time.Now()
			p.Stop()
			if took := time.Since(began); took > tt.within {
				t.Errorf("Stop took %v", took)
			}
			if got := signalled(p); got != tt.want || !p.Exited() {
				t.Errorf("ended by %v (err %v), want %v", got, p.err, tt.want)
			}
		})
	}
}

func TestKill(t *testing.T) {
	p, err := startScript(`trap "" TERM; exec sleep 30`, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p.Kill()
	if got := signalled(p); got != syscall.SIGKILL {
		t.Errorf("ended by %v, want SIGKILL", got)
	}
	p.Kill() // after the exit: no effect, no hang
	p.Stop()
}

// startScript runs a shell script as a Process with a short grace.
func startScript(script string, grace time.Duration) (*Process, error) {
	return start("/bin/sh", nil, "", nil, grace, "-c", script)
}
