package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/twmb/franz-go/pkg/sr/srfake"
)

// DefaultRegistryAddr is where the embedded run's schema registry listens.
const DefaultRegistryAddr = "127.0.0.1:8081"

// ErrRegistry wraps every failure to start the embedded schema registry.
var ErrRegistry = errors.New("devstack: schema registry")

// Registry is franz-go's srfake (the Confluent schema registry API, in
// memory) served over real HTTP, so outside clients — kcat, Python's
// confluent-kafka — work against it too.
//
// Two limits shape how Recall uses it: it forgets everything on Close, so
// Recall registers its schemas in a fixed order at every start (same ids each
// time); and its compatibility endpoint always answers "compatible", so the
// schemas module checks BACKWARD_TRANSITIVE itself.
type Registry struct {
	fake *srfake.Registry
	srv  *http.Server
	url  string
	done chan struct{}
}

// StartRegistry serves the registry on addr (default DefaultRegistryAddr;
// "127.0.0.1:0" for a free port). It returns once the port is bound.
func StartRegistry(ctx context.Context, addr string) (*Registry, error) {
	if addr == "" {
		addr = DefaultRegistryAddr
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: listen on %s: %w", ErrRegistry, addr, err)
	}
	fake := srfake.NewRegistry()
	r := &Registry{
		fake: fake,
		srv: &http.Server{
			Handler:           fake.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
		},
		url:  "http://" + ln.Addr().String(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(r.done)
		_ = r.srv.Serve(ln) // returns http.ErrServerClosed after Close
	}()
	return r, nil
}

// URL is the registry's base URL, e.g. http://127.0.0.1:8081 (sr.URLs).
func (r *Registry) URL() string { return r.url }

// Fake exposes srfake for tests that seed or inspect schemas directly.
func (r *Registry) Fake() *srfake.Registry { return r.fake }

// Close stops serving and waits for the server goroutine; the registry's
// contents are gone.
func (r *Registry) Close() {
	_ = r.srv.Close()
	<-r.done
}
