package httpapi

import (
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/recall-events/recall/command-api/internal/app"
	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/metrics"
	"github.com/recall-events/recall/ops/tracing"
)

// OpenAPI is the API's OpenAPI 3.1 document, served at /openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Deps is what the HTTP layer needs.
type Deps struct {
	Service  *app.Service
	Handlers app.Handlers // decorated
	Tokens   *auth.Tokens
	Metrics  *metrics.Metrics    // optional
	Gatherer prometheus.Gatherer // served at /metrics; optional (nil: see OpsHandler)
	Logger   *slog.Logger
	// Draining reports that shutdown has begun (readyz then fails); optional.
	Draining       func() bool
	MaxBodyBytes   int64
	RequireIfMatch bool
	IdempotencyKey []byte // HMAC key of request fingerprints
	IdempotencyTTL time.Duration
	// ReadModel serves GET /v1/users and GET /v1/users/{id}; without it those routes
	// are not registered.
	ReadModel ReadModel
	// Limits throttle password checks per client address and per username.
	Limits Limits
	// TrustedProxies are the addresses (or CIDRs) whose X-Forwarded-For names the client;
	// none by default: the client is the peer address, which a client cannot forge.
	TrustedProxies []string
	// CORSOrigins are the browser origins allowed to call the API; none by default.
	CORSOrigins []string
	// MaxReadWaits and MaxReadWaitsPerCaller cap the read-your-writes waits held at
	// once, in total (beyond: 503) and per token subject (beyond: 429); 0 takes
	// DefaultMaxReadWaits and DefaultMaxReadWaitsPerCaller.
	MaxReadWaits, MaxReadWaitsPerCaller int
	// TracerProvider makes the request's server span; nil: no spans (the no-op provider).
	TracerProvider trace.TracerProvider
}

type server struct {
	svc            *app.Service
	handlers       app.Handlers
	tokens         *auth.Tokens
	metrics        *metrics.Metrics
	log            *slog.Logger
	draining       func() bool
	maxBody        int64
	requireIfMatch bool
	idemKey        []byte
	idemTTL        time.Duration
	reads          ReadModel
	limits         limiters
	corsOrigins    []string
	waitGate       *waitGate
	health         HealthReader // nil: no GET /v1/projections
	tracer         trace.Tracer
	tracing        bool // the provider records spans (not the no-op one)
}

// OpsHandler serves /livez, /readyz and /metrics (d.Gatherer) alone, with the same
// checks as New's: the separate ops listener. Only Service, Gatherer, Logger and
// Draining of d are used.
func OpsHandler(d Deps) http.Handler {
	s := &server{svc: d.Service, log: d.Logger, draining: d.Draining}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s.probes(d.Gatherer).Handler()
}

// New returns the HTTP handler of command-api.
func New(d Deps) http.Handler {
	s := &server{svc: d.Service, handlers: d.Handlers, tokens: d.Tokens, metrics: d.Metrics, log: d.Logger,
		draining: d.Draining, maxBody: d.MaxBodyBytes, requireIfMatch: d.RequireIfMatch,
		idemKey: d.IdempotencyKey, idemTTL: d.IdempotencyTTL, reads: d.ReadModel,
		limits: newLimiters(d.Limits), corsOrigins: d.CORSOrigins,
		waitGate: newWaitGate(d.MaxReadWaits, d.MaxReadWaitsPerCaller)}
	s.health, _ = d.ReadModel.(HealthReader)
	tp := d.TracerProvider
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	s.tracer, s.tracing = tp.Tracer(tracing.Scope("command-api")), tracing.Enabled(tp)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = 64 << 10
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		s.log.Error("httpapi: trusted proxies ignored", "error", err.Error())
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(s.traceRequest, withRequestID, s.observe, s.securityHeaders, s.recoverPanic)
	r.NoRoute(func(c *gin.Context) { writeProblem(c, problem(404, KindNotFound, "no such route")) })
	r.NoMethod(func(c *gin.Context) {
		writeProblem(c, problem(405, KindMethodNotAllowed, "method not allowed on this route"))
	})
	s.routes(r, d.Gatherer)
	return r
}

func (s *server) routes(r *gin.Engine, g prometheus.Gatherer) {
	s.probeRoutes(r, g)
	r.GET("/openapi.json", func(c *gin.Context) { c.Data(200, "application/json", OpenAPI) })
	r.POST("/v1/auth/login", s.readBody, s.login)

	// Every route of the group authenticates (a route added later too); the commands'
	// routes check the actor on its cached state (see authenticate and runCommand).
	v1 := r.Group("/v1/users", s.authenticate)
	write := []gin.HandlerFunc{s.readBody, s.idempotency}
	v1.POST("", append(write, s.createUser)...)
	v1.PATCH("/:id", append(write, s.updateUser)...)
	v1.PUT("/:id/password", append(write, s.changePassword)...)
	v1.PUT("/:id/role", append(write, s.changeRole)...)
	v1.DELETE("/:id", append(write, s.deleteUser)...)
	v1.POST("/:id/restore", append(write, s.restoreUser)...)
	v1.DELETE("/:id/lockout", s.clearLockout)
	v1.POST("/:id/forget", append(write, s.forgetUser)...)
	v1.GET("/:id/data-key", s.dataKey)
	v1.GET("/:id/history", s.history)
	v1.GET("/:id/state", s.state)
	if s.reads != nil {
		v1.GET("", s.listUsers)
		v1.GET("/:id", s.getUser)
	}
	s.consoleRoutes(r, v1)
}
