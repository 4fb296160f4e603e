package rig

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/recall-events/recall/bench/internal/proc"
)

// services are the relay and projector processes of a started rig.
type services struct {
	mu        sync.Mutex
	relay     *proc.Process
	projector *proc.Process
	kafka     *proc.Process // the broker, once moved out of the test process (KafkaAsProcess)
}

func (s *services) stopAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range []*proc.Process{s.relay, s.projector, s.kafka} {
		if p != nil {
			p.Stop()
		}
	}
}

func (r *Rig) build(ctx context.Context) error {
	bins, err := proc.Build(ctx, filepath.Join(r.dir, "bin"), proc.Relay, proc.Projector, proc.Kafka)
	r.bins = bins
	return err
}

func (r *Rig) common() []string {
	env := []string{"DATABASE_URL=" + r.DatabaseURL, "RECALL_KAFKA_BROKERS=" + r.Brokers[0],
		"RECALL_SCHEMA_REGISTRY_URL=" + r.RegistryURL, "RECALL_KEK=" + r.KEK}
	if r.opts.Partitions > 0 {
		env = append(env, "RECALL_TOPIC_PARTITIONS="+strconv.Itoa(r.opts.Partitions))
	}
	return env
}

// startProcess runs one service binary with its health server on a fresh port and, when
// wait is set, waits until it is ready.
func (r *Rig) startProcess(ctx context.Context, name, listenVar string, env []string, wait bool) (*proc.Process, error) {
	if r.External() {
		return nil, ErrExternal
	}
	addrs, err := freeAddrs(1)
	if err != nil {
		return nil, err
	}
	log, err := os.OpenFile(filepath.Join(r.dir, name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	env = append(append(r.common(), listenVar+"="+addrs[0]), env...)
	p, err := proc.Start(r.bins[name], env, addrs[0], log)
	if err != nil {
		log.Close()
		return nil, err
	}
	go func() { <-p.Done(); log.Close() }()
	if !wait {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := p.WaitReady(ctx); err != nil {
		p.Kill()
		return nil, fmt.Errorf("rig: %s: %w (log: %s)", name, err, log.Name())
	}
	return p, nil
}

// StartRelay starts the relay process (extra env, e.g. RECALL_RELAY_COMPRESSION=lz4)
// and waits until it is ready. A relay already running is stopped first.
func (r *Rig) StartRelay(ctx context.Context, env ...string) error {
	r.StopRelay()
	p, err := r.startProcess(ctx, proc.Relay.Name, "RECALL_LISTEN_ADDR", env, true)
	if err != nil {
		return err
	}
	r.services.mu.Lock()
	r.services.relay = p
	r.services.mu.Unlock()
	return nil
}

// StartProjector starts the projector process (extra env, e.g. RECALL_WELCOME_EMAIL=false)
// and waits until it has joined its groups. A projector already running is stopped first.
func (r *Rig) StartProjector(ctx context.Context, env ...string) error {
	return r.launchProjector(ctx, true, env)
}

// LaunchProjector starts the projector without waiting for it to join its groups: after
// a crash the group holds the dead member's partitions until its session times out, and
// a fault drill should not stand still meanwhile.
func (r *Rig) LaunchProjector(ctx context.Context, env ...string) error {
	return r.launchProjector(ctx, false, env)
}

func (r *Rig) launchProjector(ctx context.Context, wait bool, env []string) error {
	r.StopProjector()
	p, err := r.startProcess(ctx, proc.Projector.Name, "RECALL_LISTEN_ADDR", append(slices.Clone(r.opts.ProjectorEnv), env...), wait)
	if err != nil {
		return err
	}
	r.services.mu.Lock()
	r.services.projector = p
	r.services.mu.Unlock()
	return nil
}

// Relay and Projector are the running processes, or nil.
func (r *Rig) Relay() *proc.Process {
	r.services.mu.Lock()
	defer r.services.mu.Unlock()
	return r.services.relay
}

// Projector is the running projector process, or nil.
func (r *Rig) Projector() *proc.Process {
	r.services.mu.Lock()
	defer r.services.mu.Unlock()
	return r.services.projector
}

// StopRelay stops the relay gracefully (in-flight records acked, checkpoint saved).
func (r *Rig) StopRelay() {
	r.take(&r.services.relay, (*proc.Process).Stop)
}

// StopProjector stops the projector gracefully (the batch in hand applied and committed).
func (r *Rig) StopProjector() {
	r.take(&r.services.projector, (*proc.Process).Stop)
}

// PauseRelay SIGSTOPs the relay for d, then SIGCONTs it: a process frozen (a GC pause,
// a throttled container, a stopped VM) with its connections open.
func (r *Rig) PauseRelay(d time.Duration) error {
	p := r.Relay()
	if p == nil {
		return errors.New("rig: no relay to pause")
	}
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	time.Sleep(d)
	return p.Signal(syscall.SIGCONT)
}

// KillRelay SIGKILLs the relay: a crash with records in flight.
func (r *Rig) KillRelay() { r.take(&r.services.relay, (*proc.Process).Kill) }

// KillProjector SIGKILLs the projector: a crash mid-batch.
func (r *Rig) KillProjector() { r.take(&r.services.projector, (*proc.Process).Kill) }

func (r *Rig) take(slot **proc.Process, fn func(*proc.Process)) {
	r.services.mu.Lock()
	p := *slot
	*slot = nil
	r.services.mu.Unlock()
	if p != nil {
		fn(p)
	}
}
