package httpapi

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

func etag(revision int64) string { return `"` + strconv.FormatInt(revision, 10) + `"` }

// ifMatch reads If-Match. It returns nil when absent or "*" (any current revision);
// otherwise the one revision it names. A value that names no revision of ours (weak
// tags, lists, junk) can never match a strong ETag: 412, as RFC 9110 prescribes for a
// failed If-Match. When required and absent: 428.
func (s *server) ifMatch(c *gin.Context) (*int64, *Problem) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	switch {
	case h == "" && s.requireIfMatch:
		return nil, problem(428, KindPreconditionNeeded, `this route requires If-Match: "<revision>" (the ETag of your last read or write)`)
	case h == "" || h == "*":
		return nil, nil
	}
	if len(h) >= 2 && h[0] == '"' && h[len(h)-1] == '"' {
		if n, err := strconv.ParseInt(h[1:len(h)-1], 10, 64); err == nil && n >= 0 {
			return &n, nil
		}
	}
	return nil, problem(412, KindPreconditionFailed, `If-Match must be one strong ETag "<revision>"`)
}
