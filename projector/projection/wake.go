package projection

import (
	"context"
	"time"

	"github.com/recall-events/recall/readmodel"
)

// A partition paused on a gap waits for the missing revision. When that
// revision was dead-lettered and ops retry it (replayer dlq retry), the gap is
// filled by the retry, not by Kafka; the replayer then notifies
// readmodel.DeadLetterChannel with the projection's name, and the Runner
// retries its paused partitions at once instead of at the end of a backoff
// that may be 30 s long. Without the notification (LISTEN down) the backoff
// still retries: the notification only makes it prompt.

// listenResolved wakes paused partitions whenever dead letters of this
// projection are resolved, until ctx ends.
func (r *Runner) listenResolved(ctx context.Context) {
	for ctx.Err() == nil {
		if err := r.listenOnce(ctx); err != nil && ctx.Err() == nil {
			r.log.Debug("dead-letter notifications unavailable; paused partitions retry on their backoff", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (r *Runner) listenOnce(ctx context.Context) error {
	c, err := r.cfg.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// A LISTENing connection must not go back to the pool.
	conn := c.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+readmodel.DeadLetterChannel); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload == r.cfg.Name {
			r.wake()
		}
	}
}

// wake fires the pending retry of every paused partition now.
func (r *Runner) wake() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for p, st := range r.parts {
		if st.timer != nil && st.timer.Stop() {
			st.timer.Reset(0)
			r.log.Info("dead letters resolved: retrying paused partition now", "partition", p)
		}
	}
}
