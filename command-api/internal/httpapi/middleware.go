package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/metrics"
)

// Keys of values middleware leaves on the gin context.
const (
	ctxRequestID = "recall.request_id"
	ctxBody      = "recall.body"
	ctxProblem   = "recall.problem"
	// ctxToken holds the principal the token claims; ctxProvisional whether the
	// request's principal was checked against the cached state only.
	ctxToken       = "recall.token"
	ctxStart       = "recall.start" // when the request arrived
	ctxProvisional = "recall.provisional"
)

var safeHeaderID = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,128}$`)

// withRequestID adopts a sane X-Request-ID or makes one, and echoes it.
func withRequestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !safeHeaderID.MatchString(id) {
		id = uuid.NewString()
	}
	c.Set(ctxRequestID, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// observe logs one line per request and feeds the RED histogram. It logs no header, query
// or body: they may carry tokens and passwords. The method is logged as labelled (a
// known one or "other"), so a crafted method cannot forge log content either.
func (s *server) observe(c *gin.Context) {
	start := time.Now()
	c.Set(ctxStart, start)
	c.Next()
	route := c.FullPath() // a template of ours, never the raw path
	if route == "" {
		route = metrics.RouteUnmatched
	}
	status := c.Writer.Status()
	elapsed := time.Since(start)
	method := metrics.MethodLabel(c.Request.Method)
	if s.metrics != nil {
		// Every label from a fixed set: anyone can send any method to any path.
		s.metrics.HTTP.WithLabelValues(method, route, metrics.StatusClass(status)).Observe(elapsed.Seconds())
	}
	attrs := []slog.Attr{slog.String("request_id", requestID(c)), slog.String("method", method),
		slog.String("route", route), slog.String("path", c.Request.URL.Path), slog.Int("status", status),
		slog.Duration("duration", elapsed)}
	if p, ok := auth.FromContext(c.Request.Context()); ok {
		attrs = append(attrs, slog.String("actor_id", p.ActorID()))
	}
	if t := c.GetString(ctxProblem); t != "" {
		attrs = append(attrs, slog.String("problem", t))
	}
	level := slog.LevelInfo
	if len(c.Errors) > 0 {
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", c.Errors.Last().Error()))
	}
	s.log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
}

// recoverPanic turns a panic into a 500 problem; the panic value is logged, not sent.
func (s *server) recoverPanic(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			_ = c.Error(fmt.Errorf("panic: %v", v))
			writeProblem(c, problem(500, KindInternal, ""))
		}
	}()
	c.Next()
}

// readBody reads the whole body (at most maxBody bytes, else 413) and checks it is JSON,
// so handlers and the idempotency fingerprint see the same bytes.
func (s *server) readBody(c *gin.Context) {
	if c.Request.ContentLength > s.maxBody {
		writeProblem(c, problem(413, KindTooLarge, fmt.Sprintf("the body exceeds %d bytes", s.maxBody)))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeProblem(c, problem(413, KindTooLarge, fmt.Sprintf("the body exceeds %d bytes", s.maxBody)))
		return
	case err != nil:
		writeProblem(c, problem(400, KindMalformedJSON, "the request body could not be read"))
		return
	}
	if len(body) > 0 && !isJSON(c.GetHeader("Content-Type")) {
		writeProblem(c, problem(415, KindUnsupportedMedia, "send the body as application/json"))
		return
	}
	c.Set(ctxBody, body)
	c.Next()
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func body(c *gin.Context) []byte {
	b, _ := c.Get(ctxBody)
	raw, _ := b.([]byte)
	return raw
}

// authenticate requires a valid bearer token of a user that exists and is not deleted,
// and puts the principal in the context with the user's CURRENT role (from the aggregate,
// not the token's claim): a demoted or deleted admin loses its rights on its next request,
// not when its token expires.
//
// On the routes of cachedActorRoutes it checks the token against the cached state of its
// user when there is one (no read), and leaves the confirmation to the command (see
// runCommand): its append is guarded on the revision checked, and any other answer is
// confirmed by a read before it is sent. Every other route reads the actor first.
func (s *server) authenticate(c *gin.Context) {
	s.authenticateWith(c, cachedActorRoutes[c.Request.Method+" "+c.FullPath()])
}

// cachedActorRoutes are the routes whose handlers run through runCommand. Creating a
// user and changing a password hash a password, next to which a read is nothing.
var cachedActorRoutes = map[string]bool{
	"PATCH /v1/users/:id":        true,
	"PUT /v1/users/:id/role":     true,
	"DELETE /v1/users/:id":       true,
	"POST /v1/users/:id/restore": true,
}

func (s *server) authenticateWith(c *gin.Context, cachedOK bool) {
	h := c.GetHeader("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		writeProblem(c, problem(401, KindUnauthenticated, "send Authorization: Bearer <token> from POST /v1/auth/login"))
		return
	}
	claimed, err := s.tokens.Verify(strings.TrimSpace(token))
	if err != nil {
		writeProblem(c, problem(401, KindUnauthenticated, "the token is invalid or expired"))
		return
	}
	var p auth.Principal
	cached := false
	if cachedOK {
		p, cached, err = s.svc.CachedActor(c.Request.Context(), claimed)
	} else {
		p, err = s.svc.CurrentActor(c.Request.Context(), claimed)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Set(ctxToken, claimed)
	c.Set(ctxProvisional, cached)
	c.Request = c.Request.WithContext(auth.WithPrincipal(c.Request.Context(), p))
	c.Next()
}

// confirmActor checks a provisional principal (from the cache) against the store, once
// per request, and returns the current one; it answers 401 and reports false when the
// token is no longer good. A principal that was read from the store is returned as is.
func (s *server) confirmActor(c *gin.Context) (auth.Principal, bool) {
	if !c.GetBool(ctxProvisional) {
		return principal(c), true
	}
	p, err := s.actorNow(c)
	if err != nil {
		fail(c, err)
		return auth.Principal{}, false
	}
	return p, true
}

// actorNow reads the actor of the request's token from the store and makes it the
// request's principal.
func (s *server) actorNow(c *gin.Context) (auth.Principal, error) {
	claimed, _ := c.Get(ctxToken)
	p, err := s.svc.CurrentActor(c.Request.Context(), claimed.(auth.Principal))
	if err != nil {
		return auth.Principal{}, err
	}
	c.Set(ctxProvisional, false)
	c.Request = c.Request.WithContext(auth.WithPrincipal(c.Request.Context(), p))
	return p, nil
}

func principal(c *gin.Context) auth.Principal {
	p, _ := auth.FromContext(c.Request.Context())
	return p
}
