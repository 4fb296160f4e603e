package commandapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/prometheus/client_golang/prometheus"

	commandapi "github.com/recall-events/recall/command-api"
	"github.com/recall-events/recall/command-api/internal/credentials"
	"github.com/recall-events/recall/command-api/internal/httpapi"
	"github.com/recall-events/recall/devstack/pgtest"
	"github.com/recall-events/recall/eventstore/subjectkeys"
)

// Test passwords: every test checks none of them leaks into events, responses or logs.
const (
	adminPassword = "admin-secret-pw-1"
	userPassword  = "user-secret-pw-1"
)

// fastArgon2 keeps tests quick: the cheapest setting of OWASP's floor (Config.Validate
// refuses less); production uses credentials.DefaultParams.
var fastArgon2 = credentials.Params{MemoryKiB: 7168, Time: 5, Threads: 1}

// syncBuffer captures the JSON logs of a server for the no-secrets checks.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// api is one running command-api on a fresh database, with a client that validates every
// response of a documented route against the OpenAPI document.
type api struct {
	t      testing.TB
	base   string
	dbURL  string
	logs   *syncBuffer
	reg    *prometheus.Registry
	client *http.Client
	router routers.Router
	stop   func() error
	admin  string // admin token
}

// testJWTSecret is generated per test run: every secret written into the repository is
// refused by Validate.
var testJWTSecret = func() string {
	s, err := commandapi.NewJWTSecret()
	if err != nil {
		panic(err)
	}
	return s
}()

// testKEK is the key-encryption key of every test database, generated per run too.
var testKEK = func() string {
	s, err := subjectkeys.GenerateKEK()
	if err != nil {
		panic(err)
	}
	return s
}()

func testConfig(url string) commandapi.Config {
	cfg := commandapi.DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.DatabaseURL = url
	cfg.JWTSecret = testJWTSecret
	cfg.KEK = testKEK
	cfg.AdminUsername = "admin"
	cfg.AdminPassword = adminPassword
	cfg.Argon2 = fastArgon2
	// Tests log in often from one address: the limits have their own tests.
	cfg.Login.ClientPerMinute, cfg.Login.ClientBurst = 6000, 1000
	cfg.Login.UsernamePerMinute, cfg.Login.UsernameBurst = 6000, 1000
	return cfg
}

// start runs Run on a fresh database (or url, when given) and logs in as the admin.
func start(t testing.TB, url string, mutate ...func(*commandapi.Config)) *api {
	t.Helper()
	if url == "" {
		url = pgtest.Database(t)
	}
	a := &api{t: t, dbURL: url, logs: &syncBuffer{}, reg: prometheus.NewRegistry(), router: specRouter(t),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	cfg := testConfig(url)
	cfg.LogOutput, cfg.Registry = a.logs, a.reg
	for _, m := range mutate {
		m(&cfg)
	}
	ready := make(chan string, 1)
	cfg.Ready = func(addr string) { ready <- addr }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- commandapi.Run(ctx, cfg) }()
	select {
	case addr := <-ready:
		a.base = "http://" + addr
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v", err)
	}
	var once sync.Once
	var stopErr error
	a.stop = func() error {
		once.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}
	t.Cleanup(func() {
		if err := a.stop(); err != nil {
			t.Errorf("Run returned %v", err)
		}
	})
	a.admin = a.login("admin", adminPassword)
	return a
}

func specRouter(t testing.TB) routers.Router {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(httpapi.OpenAPI)
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi invalid: %v", err)
	}
	doc.Servers = nil // the test servers listen on random ports
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("openapi router: %v", err)
	}
	return r
}

// resp is a received response.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem decodes a problem response and checks its status and kind.
func (r resp) problem(t testing.TB, status int, kind string) httpapi.Problem {
	t.Helper()
	var p httpapi.Problem
	if r.Status != status || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %s %s, want %d problem %s", r.Status, r.Header.Get("Content-Type"), r.Body, status, kind)
	}
	r.json(t, &p)
	if p.Type != httpapi.ProblemTypeBase+kind || p.Status != status {
		t.Fatalf("problem %+v, want %d %s", p, status, kind)
	}
	return p
}

func (r resp) want(t testing.TB, status int) resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

type hdr map[string]string

// do sends a request; body is a string (sent raw), nil, or a value sent as JSON.
func (a *api) do(method, path, token string, body any, headers hdr) resp {
	a.t.Helper()
	r, err := a.try(method, path, token, body, headers)
	if err != nil {
		a.t.Fatal(err)
	}
	return r
}

// try is do without failing the test, for goroutines.
func (a *api) try(method, path, token string, body any, headers hdr) (resp, error) {
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		raw, _ = json.Marshal(b)
	}
	req, err := http.NewRequest(method, a.base+path, bytes.NewReader(raw))
	if err != nil {
		return resp{}, err
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := a.client.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	r := resp{Status: res.StatusCode, Header: res.Header, Body: out}
	return r, a.validate(req, raw, r)
}

// validate checks a response against the OpenAPI document; undocumented routes (the
// unknown-route tests) are skipped.
func (a *api) validate(req *http.Request, reqBody []byte, r resp) error {
	route, params, err := a.router.FindRoute(req)
	var notFound *routers.RouteError
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return err
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: r.Status, Header: r.Header, Body: io.NopCloser(bytes.NewReader(r.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return &specError{method: req.Method, path: req.URL.Path, status: r.Status, err: err}
	}
	if r.Status < 300 {
		validated.Store(route.Method+" "+route.Path, true)
	}
	return nil
}

type specError struct {
	method, path string
	status       int
	err          error
}

func (e *specError) Error() string {
	return "response does not match openapi.json: " + e.method + " " + e.path + " " + http.StatusText(e.status) + ": " + e.err.Error()
}

func (a *api) login(username, password string) string {
	a.t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	a.do("POST", "/v1/auth/login", "", map[string]string{"username": username, "password": password}, nil).want(a.t, 200).json(a.t, &tok)
	return tok.AccessToken
}

type written struct {
	ID       string `json:"id"`
	Revision int64  `json:"revision"`
}

// createUser creates a user as admin and returns its id.
func (a *api) createUser(username string) string {
	a.t.Helper()
	var w written
	a.do("POST", "/v1/users", a.admin, map[string]any{
		"username": username, "email": username + "@example.com", "first_name": "Ada", "last_name": "Lovelace",
		"password": userPassword,
	}, nil).want(a.t, 201).json(a.t, &w)
	return w.ID
}

func contains(s string, subs ...string) string {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return sub
		}
	}
	return ""
}
