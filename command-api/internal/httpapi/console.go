package httpapi

import (
	"github.com/gin-gonic/gin"

	"github.com/recall-events/recall/command-api/internal/console"
)

// consoleRoutes registers the audit console (/console/) and the routes only it needed
// first: an actor's events, projection health and dry runs.
func (s *server) consoleRoutes(r *gin.Engine, users *gin.RouterGroup) {
	h := gin.WrapH(console.Handler())
	r.GET("/console", func(c *gin.Context) { c.Redirect(308, console.Prefix) })
	r.GET("/console/*path", h)
	r.HEAD("/console/*path", h)
	users.POST(DryRunPath, s.readBody, s.dryRun)
	r.GET("/v1/actors/:id/events", s.authenticate, s.actorEvents)
	if s.health != nil {
		r.GET("/v1/projections", s.authenticate, s.projections)
	}
}
