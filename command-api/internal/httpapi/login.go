package httpapi

import (
	"encoding/json"

	"github.com/gin-gonic/gin"
)

// login exchanges a username and password for a bearer token. Every failure is the same
// 401: the answer does not tell an unknown user from a wrong password.
func (s *server) login(c *gin.Context) {
	var req loginRequest
	if p := decodeBody(body(c), &req, false); p != nil {
		writeProblem(c, p)
		return
	}
	p, err := s.svc.Login(c.Request.Context(), req.Username, req.Password)
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
