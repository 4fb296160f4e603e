package rig

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/recall-events/recall/devstack"
)

// RestartKafka closes the broker (kfake flushes its DataDir) and starts it again on the
// same address and DataDir, as a broker restart: topics, records, committed offsets and
// producer state survive; connections do not.
func (r *Rig) RestartKafka(ctx context.Context) error {
	if r.External() {
		return ErrExternal
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
