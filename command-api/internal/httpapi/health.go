package httpapi

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"
)

func livez(c *gin.Context) { c.JSON(200, gin.H{"status": "ok"}) }

// readyz says whether to send traffic here: not once shutdown has begun (the load
// balancer must stop first), nor while the database is unreachable.
func (s *server) readyz(c *gin.Context) {
	if s.draining != nil && s.draining() {
		writeProblem(c, problem(503, KindUnavailable, "shutting down"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Store().Pool().Ping(ctx); err != nil {
		_ = c.Error(err)
		writeProblem(c, problem(503, KindUnavailable, "the database is unreachable"))
		return
	}
	c.JSON(200, gin.H{"status": "ok"})
}
