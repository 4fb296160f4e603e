package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ServeOptions tune Serve; the zero value serves with the defaults below.
type ServeOptions struct {
	// Server, when set, is served (its timeouts kept); Serve sets its Handler when nil.
	Server *http.Server
	// ShutdownTimeout bounds the drain of in-flight requests; default 5s.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger // nil: nothing logged
}

// Serve serves h on ln until ctx ends, then shuts down gracefully. It returns nil after a
// clean shutdown and the server's error if serving failed first: a run group stops the
// process's other parts then.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, o ServeOptions) error {
	srv := o.Server
	if srv == nil {
		srv = &http.Server{ReadHeaderTimeout: 5 * time.Second}
	}
	if srv.Handler == nil {
		srv.Handler = h
	}
	if srv.ErrorLog == nil && o.Logger != nil {
		srv.ErrorLog = slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if o.Logger != nil {
		o.Logger.Info("listening", slog.String("addr", ln.Addr().String()))
	}
	select {
	case err := <-errc:
		return fmt.Errorf("ops: serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	timeout := o.ShutdownTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("ops: shutdown %s: %w", ln.Addr(), err)
	}
	return nil
}
