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

// StopGrace is how long Stop lets a process shut down after SIGTERM before it
// kills it: long enough for the relay to drain its in-flight records and the
// projector to commit its batch.
const StopGrace = 60 * time.Second

// Process is one running service binary.
type Process struct {
	cmd    *exec.Cmd
	stop   context.CancelFunc // starts the graceful stop
	listen string             // host:port of its /readyz and /metrics
	done   chan struct{}
	err    error // Wait's result, valid once done is closed
}

// Start runs path with env appended to the harness's environment; listen is the address
// its health server was told to use. Output goes to log (nil: discarded). Pdeathsig
// takes the process down with the harness, so an interrupted run leaves nothing behind.
func Start(path string, env []string, listen string, log io.Writer) (*Process, error) {
	return start(path, env, listen, log, StopGrace)
}

// StartArgs is Start with command-line arguments, for a process with no health server
// (listen empty: WaitReady and Metrics do not apply).
func StartArgs(path string, env []string, log io.Writer, args ...string) (*Process, error) {
	return start(path, env, "", log, StopGrace, args...)
}

func start(path string, env []string, listen string, log io.Writer, grace time.Duration, args ...string) (*Process, error) {
	ctx, stop := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, path, args...)
	// Stop cancels ctx: os/exec sends SIGTERM through Cancel and, if the
	// process is still running grace later, kills it (WaitDelay).
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = grace
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		stop()
		return nil, fmt.Errorf("proc: start %s: %w", path, err)
	}
	p := &Process{cmd: cmd, stop: stop, listen: listen, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); stop(); close(p.done) }()
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
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill() // "already finished" when it has exited
	<-p.done
}

// Signal sends sig (SIGSTOP and SIGCONT pause and resume it).
func (p *Process) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// Stop sends SIGTERM and waits up to StopGrace for a graceful exit, then kills.
func (p *Process) Stop() {
	p.stop()
	<-p.done
}
