package measure

import (
	"context"
	"fmt"
	"time"

	"github.com/recall-events/recall/bench/internal/kafkaread"
	"github.com/recall-events/recall/bench/internal/rig"
)

// WaitCaughtUp waits until Kafka holds at least as many records as the store holds user
// events and the live read model reflects all of them: the pipeline is idle, so a
// measurement that starts next does not share the machine with a backlog.
func WaitCaughtUp(ctx context.Context, r *rig.Rig, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var events int64
	if err := r.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE aggregate_type = 'user'`).Scan(&events); err != nil {
		return err
	}
	adm, err := kafkaread.NewAdmin(r.Brokers, r.KafkaOpts...)
	if err != nil {
		return err
	}
	defer adm.Close()
	for {
		n, err := adm.Records(ctx, kafkaread.Topic)
		if err == nil && n >= events {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("measure: Kafka has %d records of %d events: %w", n, events, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	table, err := liveUsersTable(ctx, r)
	if err != nil {
		return err
	}
	return WaitApplied(ctx, r, table, events)
}
