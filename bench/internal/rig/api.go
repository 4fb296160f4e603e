package rig

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	commandapi "github.com/recall-events/recall/command-api"
)

// inProcessAPI is command-api run by commandapi.Run in this process: it needs no restart
// in any fault scenario, and its configuration (pool size, hash cost) stays in reach.
type inProcessAPI struct {
	cancel context.CancelFunc
	done   chan error
}

func (r *Rig) startAPI(ctx context.Context) error {
	cfg := commandapi.DefaultConfig()
	if r.jwtSecret == "" { // one per rig: tokens outlive RestartAPI
		secret, err := commandapi.NewJWTSecret()
		if err != nil {
			return err
		}
		r.jwtSecret = secret
	}
	cfg.Embedded, cfg.JWTSecret, cfg.KEK = true, r.jwtSecret, r.KEK
	cfg.DatabaseURL, cfg.ListenAddr = r.DatabaseURL, r.APIURL[len("http://"):]
	cfg.AdminPassword, cfg.LogOutput = r.AdminPassword, r.opts.Logs
	cfg.MaxConns = r.opts.APIMaxConns
	// A full-length benchmark outlives the default 15 minutes.
	cfg.TokenTTL = 2 * time.Hour
	if r.opts.CheapPasswords {
		cfg.Argon2.MemoryKiB, cfg.Argon2.Time, cfg.Argon2.Threads = 7168, 5, 1 // the cheapest of OWASP's floor, which Validate enforces
	}
	runCtx, cancel := context.WithCancel(context.Background())
	a := &inProcessAPI{cancel: cancel, done: make(chan error, 1)}
	go func() { a.done <- commandapi.Run(runCtx, cfg) }()
	r.api = a
	return waitHTTP(ctx, r.APIURL+"/readyz", a.done)
}

// RestartAPI stops command-api and starts it again with a database pool of maxConns
// (0: its default), e.g. to show what the pool size does to throughput.
func (r *Rig) RestartAPI(ctx context.Context, maxConns int32) error {
	if r.External() {
		return ErrExternal
	}
	r.api.stop()
	r.opts.APIMaxConns = maxConns
	return r.startAPI(ctx)
}

func (a *inProcessAPI) stop() {
	a.cancel()
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
	}
}

// waitHTTP polls url until it answers 200, failed yields a result, or 90 s pass.
func waitHTTP(ctx context.Context, url string, failed chan error) error {
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-failed:
			return fmt.Errorf("rig: command-api stopped during start-up: %w", errors.Join(err, errors.New("exited")))
		case <-ctx.Done():
			return fmt.Errorf("rig: %s: %w", url, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
