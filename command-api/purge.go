package commandapi

import (
	"context"
	"log/slog"
	"time"

	"github.com/recall-events/recall/eventstore"
)

// purgeBatch bounds one DELETE of expired idempotency records.
const purgeBatch = 1000

// purgeIdempotency is the run-group part deleting expired idempotency records every
// interval (never when it is 0) until ctx ends. Every instance may run it: the batches
// skip rows another instance is deleting.
func (p *process) purgeIdempotency(interval time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		if interval <= 0 {
			<-ctx.Done()
			return nil
		}
		store := p.svc.Store()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				p.purgeOnce(ctx, store)
			}
		}
	}
}

// purgeOnce deletes batches until one comes back short, and logs the count.
func (p *process) purgeOnce(ctx context.Context, store *eventstore.Store) {
	start := time.Now()
	var total int64
	for ctx.Err() == nil {
		n, err := store.PurgeIdempotency(ctx, purgeBatch)
		total += n
		if err != nil {
			if ctx.Err() == nil {
				p.log.Warn("idempotency purge failed", slog.Int64("deleted", total), slog.String("error", err.Error()))
			}
			return
		}
		if n < purgeBatch {
			break
		}
	}
	if total > 0 {
		p.log.Info("idempotency records purged", slog.Int64("deleted", total), slog.Duration("duration", time.Since(start)))
	}
}
