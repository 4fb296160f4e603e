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
func (s *server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		writeProblem(c, problem(401, KindUnauthenticated, "send Authorization: Bearer <token> from POST /v1/auth/login"))
		return
	}
	p, err := s.tokens.Verify(strings.TrimSpace(token))
	if err != nil {
		writeProblem(c, problem(401, KindUnauthenticated, "the token is invalid or expired"))
		return
	}
	p, err = s.svc.CurrentActor(c.Request.Context(), p)
	if err != nil {
		fail(c, err)
		return
	}
	c.Request = c.Request.WithContext(auth.WithPrincipal(c.Request.Context(), p))
	c.Next()
}

func principal(c *gin.Context) auth.Principal {
	p, _ := auth.FromContext(c.Request.Context())
	return p
}
