package proc

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Process is one running service binary.
type Process struct {
	cmd    *exec.Cmd
	listen string // host:port of its /readyz and /metrics
	done   chan struct{}
	err    error // Wait's result, valid once done is closed
}

// Start runs path with env appended to the harness's environment; listen is the address
// its health server was told to use. Output goes to log (nil: discarded). Pdeathsig
// takes the process down with the harness, so an interrupted run leaves nothing behind.
func Start(path string, env []string, listen string, log io.Writer) (*Process, error) {
	cmd := exec.Command(path)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("proc: start %s: %w", path, err)
	}
	p := &Process{cmd: cmd, listen: listen, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has ended.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitReady polls /readyz until it answers 200, the process exits, or ctx ends.
func (p *Process) WaitReady(ctx context.Context) error {
	url := "http://" + p.listen + "/readyz"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("proc: %s exited before ready: %v", p.cmd.Path, p.err)
		case <-ctx.Done():
			return fmt.Errorf("proc: %s not ready: %w", p.cmd.Path, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Metrics returns the body of its /metrics.
func (p *Process) Metrics(ctx context.Context) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.listen+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("proc: metrics: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// Kill sends SIGKILL, a crash: nothing is flushed or acknowledged. It waits for the exit.
func (p *Process) Kill() { p.signal(syscall.SIGKILL, 0) }

// Stop sends SIGTERM and waits up to grace for a graceful exit, then kills.
func (p *Process) Stop(grace time.Duration) { p.signal(syscall.SIGTERM, grace) }

func (p *Process) signal(sig syscall.Signal, grace time.Duration) {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	if grace <= 0 {
		grace = 10 * time.Second
	}
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}
