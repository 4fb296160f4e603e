package rig

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/recall-events/recall/bench/internal/proc"
	"github.com/recall-events/recall/devstack"
)

// KafkaAsProcess moves the broker out of the test process: the in-process kfake is closed
// (flushing its DataDir) and a kafkad process serves the same address and DataDir, so
// RestartKafka then SIGKILLs the broker like a crash.
func (r *Rig) KafkaAsProcess(ctx context.Context) error {
	if r.External() {
		return ErrExternal
	}
	if r.stack.Kafka != nil {
		r.stack.Kafka.Close()
		r.stack.Kafka = nil
	}
	return r.startKafkad(ctx)
}

func (r *Rig) startKafkad(ctx context.Context) error {
	log, err := os.OpenFile(filepath.Join(r.dir, "kafka.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		p, err := proc.StartArgs(r.bins[proc.Kafka.Name], nil, log, r.kafkaAddr, filepath.Join(r.dir, "kafka"))
		if err != nil {
			log.Close()
			return err
		}
		for !p.Exited() && time.Now().Before(deadline) { // up once it accepts connections
			if c, err := net.DialTimeout("tcp", r.kafkaAddr, time.Second); err == nil {
				c.Close()
				go func() { <-p.Done(); log.Close() }()
				r.services.mu.Lock()
				r.services.kafka = p
				r.services.mu.Unlock()
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		p.Kill()
		if time.Now().After(deadline) || ctx.Err() != nil {
			log.Close()
			return fmt.Errorf("rig: kafkad did not come up on %s (log: %s)", r.kafkaAddr, log.Name())
		}
		time.Sleep(100 * time.Millisecond) // the port can take a moment to be free again
	}
}

// RestartKafka restarts the broker on the same address and DataDir: topics, records,
// committed offsets and producer state survive; connections do not. A broker moved out
// by KafkaAsProcess is SIGKILLed (a crash: nothing flushed on the way out); the
// in-process one is closed.
func (r *Rig) RestartKafka(ctx context.Context) error {
	if r.External() {
		return ErrExternal
	}
	r.services.mu.Lock()
	moved := r.services.kafka != nil
	r.services.mu.Unlock()
	if moved {
		r.take(&r.services.kafka, (*proc.Process).Kill)
		return r.startKafkad(ctx)
	}
	r.stack.Kafka.Close()
	var err error
	for range 50 { // the port can take a moment to be free again
		var k *devstack.Kafka
		k, err = devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: r.kafkaAddr, DataDir: filepath.Join(r.dir, "kafka")})
		if err == nil {
			r.stack.Kafka = k
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("rig: restart kafka: %w", err)
}

// RestartPostgres stops the cluster (fast shutdown: open sessions are cut) and starts it
// again on the same port and data.
func (r *Rig) RestartPostgres(ctx context.Context) error {
	if r.External() {
		return ErrExternal
	}
	return r.stack.Postgres.Restart(ctx)
}

// PostgresVersion is the server's version string.
func (r *Rig) PostgresVersion(ctx context.Context) string {
	var v string
	if err := r.Pool.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "unknown"
	}
	return v
}
