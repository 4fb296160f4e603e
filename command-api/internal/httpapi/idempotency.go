package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/recall-events/recall/command-api/internal/app"
)

const ctxIdempotency = "recall.idempotency"

var idempotencyKeyFormat = regexp.MustCompile(`^[\x21-\x7e]{1,255}$`)

// storedResponse is what an idempotency record holds: enough to answer a retry with the
// same status, headers and body bytes.
type storedResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    []byte            `json:"body"`
}

// replayedHeader marks a response that was replayed from an idempotency record.
const replayedHeader = "Idempotency-Replayed"

// idempotency answers a request whose Idempotency-Key already has a stored response (the
// retry), refuses a key reused for another request (422), and otherwise leaves the
// record's description for the handler, which stores it with its events.
func (s *server) idempotency(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" {
		c.Next()
		return
	}
	if !idempotencyKeyFormat.MatchString(key) {
		writeProblem(c, fieldProblem(422, KindValidation, "the Idempotency-Key header is invalid",
			map[string]string{"Idempotency-Key": "must be 1 to 255 visible ASCII characters"}))
		return
	}
	p := principal(c)
	scope := "actor:" + p.ActorID()
	fp := s.fingerprint(c, p.ActorID())
	resp, found, err := s.svc.Store().LookupIdempotency(c.Request.Context(), scope, key, fp)
	switch {
	case err != nil:
		fail(c, err)
		return
	case found:
		// A replay is not guarded by an append: it goes only to a token good now.
		if _, ok := s.confirmActor(c); ok {
			replay(c, resp)
		}
		return
	}
	c.Set(ctxIdempotency, &app.Idempotency{Scope: scope, Key: key, Fingerprint: fp, TTL: s.idemTTL})
	c.Next()
}

// fingerprint is an HMAC of what makes a request "the same": method, path (with the user
// id), actor, If-Match (the precondition changes what the request means) and body. Keyed,
// because bodies can hold passwords and a plain hash of a password is cheap to
// brute-force. If-Match enters only when sent, so requests without it keep the
// fingerprint they had before it counted (retries across an upgrade still replay); its
// "if-match:" part cannot be mistaken for a body, which never holds a NUL byte once valid
// JSON (and an invalid body is refused before anything is stored).
func (s *server) fingerprint(c *gin.Context, actor string) []byte {
	m := hmac.New(sha256.New, s.idemKey)
	parts := []string{c.Request.Method, c.Request.URL.Path, actor}
	if v, ok := c.Request.Header["If-Match"]; ok {
		parts = append(parts, "if-match:"+strings.Join(v, ","))
	}
	for _, part := range parts {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	m.Write(body(c))
	return m.Sum(nil)
}

// idempotencyFor returns the request's idempotency record with its response builder.
func idempotencyFor(c *gin.Context, respond func(app.Result) storedResponse) *app.Idempotency {
	v, ok := c.Get(ctxIdempotency)
	if !ok {
		return nil
	}
	idem := *v.(*app.Idempotency)
	idem.Response = func(r app.Result) ([]byte, error) { return json.Marshal(respond(r)) }
	return &idem
}

// write sends a stored response: the live answer and every replay go through here, so
// they are the same bytes.
func write(c *gin.Context, r storedResponse) {
	for k, v := range r.Headers {
		c.Header(k, v)
	}
	c.Status(r.Status)
	_, _ = c.Writer.Write(r.Body)
}

func replay(c *gin.Context, raw []byte) {
	var r storedResponse
	if err := json.Unmarshal(raw, &r); err != nil || r.Status == 0 {
		fail(c, err)
		return
	}
	c.Header(replayedHeader, "true")
	write(c, r)
	c.Abort()
}

// finish answers a command's result: a replay when another request with the key won.
func finish(c *gin.Context, res app.Result, err error, respond func(app.Result) storedResponse) {
	switch {
	case err != nil:
		fail(c, err)
	case res.Replay != nil:
		replay(c, res.Replay)
	default:
		write(c, respond(res))
	}
}
