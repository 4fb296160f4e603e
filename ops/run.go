package ops

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
)

// Run runs the parts of a process (its work, its ops server) until ctx ends or one part
// returns: the first to return, with or without an error, ends the others' context. Run
// waits for every part and returns the first error. Parts return nil when stopped by
// their context, so a SIGTERM ends Run with nil.
func Run(ctx context.Context, parts ...func(context.Context) error) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	g, ctx := errgroup.WithContext(ctx)
	for _, part := range parts {
		g.Go(func() error {
			defer stop()
			return part(ctx)
		})
	}
	return g.Wait()
}

// Sleep waits d, or until ctx ends and then returns ctx's error: the pause between
// attempts in a retry loop that must stop with its process. (eventstore keeps its own
// copy: it depends on nothing of Recall's but pgmigrate.)
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
