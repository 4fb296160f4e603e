package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Client talks to one command-api. Safe for concurrent use after Login.
type Client struct {
	base  string
	http  *http.Client
	token string
	// IdempotencyKeys sends each write's request id as its Idempotency-Key too, so a
	// retry with the same id is applied at most once.
	IdempotencyKeys bool
}

// New returns a client of base (http://host:port) using at most conns connections, all
// kept open: N concurrent clients reuse N connections instead of dialing per request, and
// an overloaded open-loop run queues its requests here (the wait counts in their latency)
// instead of opening one socket each until the process runs out of file descriptors —
// which would take the in-process broker down with it.
func New(base string, conns int) *Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost, t.MaxConnsPerHost = conns, conns, conns
	return &Client{base: strings.TrimSuffix(base, "/"), http: &http.Client{Transport: t, Timeout: 30 * time.Second}}
}

// Result is a write's outcome: the status, and for a 2xx the user and its new revision.
type Result struct {
	Status   int
	ID       uuid.UUID
	Revision int64
}

// OK reports a 2xx.
func (r Result) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Login gets a bearer token for username.
func (c *Client) Login(ctx context.Context, username, password string) error {
	var out struct {
		AccessToken string `json:"access_token"`
	}
	status, err := c.do(ctx, http.MethodPost, "/v1/auth/login", "", map[string]string{"username": username, "password": password}, &out)
	if err != nil {
		return err
	}
	if status != http.StatusOK || out.AccessToken == "" {
		return fmt.Errorf("apiclient: login as %s: status %d", username, status)
	}
	c.token = out.AccessToken
	return nil
}

// NewUser is the body of POST /v1/users.
type NewUser struct {
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Password  string `json:"password"`
}

// CreateUser creates a user; requestID (X-Request-ID) lands in the event's metadata.
func (c *Client) CreateUser(ctx context.Context, u NewUser, requestID string) (Result, error) {
	return c.write(ctx, http.MethodPost, "/v1/users", requestID, u)
}

// Update is the body of PATCH /v1/users/{id}; empty fields are left out.
type Update struct {
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// UpdateUser changes a user's names (no If-Match: the API retries conflicts itself).
func (c *Client) UpdateUser(ctx context.Context, id uuid.UUID, u Update, requestID string) (Result, error) {
	return c.write(ctx, http.MethodPatch, "/v1/users/"+id.String(), requestID, u)
}

func (c *Client) write(ctx context.Context, method, path, requestID string, body any) (Result, error) {
	var out struct {
		ID       uuid.UUID `json:"id"`
		Revision int64     `json:"revision"`
	}
	status, err := c.do(ctx, method, path, requestID, body, &out)
	return Result{Status: status, ID: out.ID, Revision: out.Revision}, err
}

// State reads GET /v1/users/{id}/state?revision=N, the aggregate rebuilt from the store
// (from a snapshot at or before N when there is one). It returns the revision served.
func (c *Client) State(ctx context.Context, id uuid.UUID, revision int64) (int64, error) {
	var out struct {
		Revision int64 `json:"revision"`
	}
	status, err := c.do(ctx, http.MethodGet, "/v1/users/"+id.String()+"/state?revision="+strconv.FormatInt(revision, 10), "", nil, &out)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("apiclient: state of %s: status %d", id, status)
	}
	return out.Revision, err
}

// ReadUser reads GET /v1/users/{id}?min_revision=N&wait=W: read-your-writes through
// the read model. It returns the status and, for a 200, the revision served.
func (c *Client) ReadUser(ctx context.Context, id uuid.UUID, minRevision int64, wait time.Duration) (int, int64, error) {
	var out struct {
		Revision int64 `json:"revision"`
	}
	path := "/v1/users/" + id.String() + "?min_revision=" + strconv.FormatInt(minRevision, 10) + "&wait=" + wait.String()
	status, err := c.do(ctx, http.MethodGet, path, "", nil, &out)
	return status, out.Revision, err
}

// do sends one request and decodes a 2xx JSON body into out. A non-2xx is not an error
// here: the status says what happened.
func (c *Client) do(ctx context.Context, method, path, requestID string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if requestID != "" {
		req.Header.Set("X-Request-ID", requestID)
		if c.IdempotencyKeys && method != http.MethodGet {
			req.Header.Set("Idempotency-Key", requestID)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("apiclient: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, fmt.Errorf("apiclient: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 == 2 && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("apiclient: %s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}
