package httpapi

import (
	"encoding/json"

	"github.com/gin-gonic/gin"

	"github.com/recall-events/recall/command-api/internal/metrics"
)

// login exchanges a username and password for a bearer token. Every failure is the same
// 401: the answer does not tell an unknown user from a wrong password. Too many attempts
// from one address or for one username are 429 before any check; a locked-out username
// (known or not) is 429 locked-out; a full hashing queue is 429 busy.
func (s *server) login(c *gin.Context) {
	var req loginRequest
	if p := decodeBody(body(c), &req, false); p != nil {
		writeProblem(c, p)
		return
	}
	if s.throttled(c, metrics.CheckLogin, req.Username) {
		return
	}
	p, err := s.svc.Login(c.Request.Context(), req.Username, req.Password)
	s.countCheck(metrics.CheckLogin, checkOutcome(err))
	if err != nil {
		fail(c, err)
		return
	}
	token, err := s.tokens.Issue(p)
	if err != nil {
		fail(c, err)
		return
	}
	out, _ := json.Marshal(loginResponse{AccessToken: token, TokenType: "Bearer", ExpiresIn: int64(s.tokens.TTL().Seconds())})
	c.Header("Cache-Control", "no-store")
	c.Data(200, "application/json; charset=utf-8", out)
}
