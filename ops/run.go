package ops

import (
	"context"

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
