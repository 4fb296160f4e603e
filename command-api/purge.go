package commandapi

import (
	"context"
	"log/slog"
	"time"

	"github.com/recall-events/recall/eventstore"
)

// purgeBatch bounds one DELETE of expired idempotency records.
const purgeBatch = 1000

// purgeIdempotency deletes expired idempotency records every interval (never when it is
// 0) until ctx ends; the channel closes when it has stopped. Every instance may run it:
// the batches skip rows another instance is deleting.
func (p *process) purgeIdempotency(ctx context.Context, interval time.Duration) <-chan struct{} {
	done := make(chan struct{})
	if interval <= 0 {
		close(done)
		return done
	}
	store := p.svc.Store()
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p.purgeOnce(ctx, store)
			}
		}
	}()
	return done
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
