package httpapi

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/auth"
)

// Actor pages: 50 events by default, at most 200 (as the users listing).
const (
	defaultActorPage = 50
	maxActorPage     = 200
)

type actorEvent struct {
	historyEvent
	AggregateType string `json:"aggregate_type"`
	AggregateID   string `json:"aggregate_id"`
}

type actorEventsResponse struct {
	ActorID       string       `json:"actor_id"`
	Items         []actorEvent `json:"items"`
	NextPageToken *string      `json:"next_page_token"` // null on the last page
}

// actorEvents answers what an actor (a user id, "system" or "operator") changed, newest
// first, from the store: the console's actor view. Admins and auditors only.
func (s *server) actorEvents(c *gin.Context) {
	if !principal(c).MayReadAll() {
		writeProblem(c, problem(403, KindForbidden, "only admins and auditors read what an actor changed"))
		return
	}
	actor, ok := actorID(c.Param("id"))
	if !ok {
		writeProblem(c, problem(404, KindNotFound, "no such actor: a user id, system or operator"))
		return
	}
	before, size, p := actorPageParams(c)
	if p != nil {
		writeProblem(c, p)
		return
	}
	page, err := s.svc.ActorEvents(c.Request.Context(), principal(c), actor, before, size)
	if err != nil {
		fail(c, err)
		return
	}
	out := actorEventsResponse{ActorID: actor, Items: make([]actorEvent, len(page.Entries))}
	for i, e := range page.Entries {
		out.Items[i] = actorEvent{AggregateType: e.AggregateType, AggregateID: e.AggregateID.String(),
			historyEvent: historyEvent{EventID: e.EventID.String(), Revision: e.Revision, EventType: e.EventType,
				SchemaVersion: e.SchemaVersion, RecordedAt: e.RecordedAt.UTC(), Data: e.Data, Metadata: e.Metadata}}
	}
	if page.Next > 0 {
		tok := actorPageToken(page.Next)
		out.NextPageToken = &tok
	}
	c.JSON(200, out)
}

// actorID accepts what event metadata records as actor_id: a user id (in its canonical
// form, as stored) or the system and operator actors.
func actorID(raw string) (string, bool) {
	if raw == auth.SystemActorID || raw == auth.OperatorActorID {
		return raw, true
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		return "", false
	}
	return id.String(), true
}

// An actor page token is opaque to clients: the global position to continue below.
const actorTokenPrefix = "actor-v1:"

func actorPageToken(position int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(actorTokenPrefix + strconv.FormatInt(position, 10)))
}

func parseActorPageToken(tok string) (int64, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(string(raw), actorTokenPrefix), 10, 64)
	return n, err == nil && strings.HasPrefix(string(raw), actorTokenPrefix) && n > 0
}

func actorPageParams(c *gin.Context) (int64, int, *Problem) {
	bad := map[string]string{}
	size := defaultActorPage
	if raw, ok := c.GetQuery("page_size"); ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxActorPage {
			bad["page_size"] = fmt.Sprintf("must be an integer from 1 to %d", maxActorPage)
		}
		size = n
	}
	var before int64
	if raw, ok := c.GetQuery("page_token"); ok {
		var valid bool
		if before, valid = parseActorPageToken(raw); !valid {
			bad["page_token"] = "is not a token of this listing; start again without it"
		}
	}
	if len(bad) > 0 {
		return 0, 0, fieldProblem(422, KindValidation, "the query has invalid parameters", bad)
	}
	return before, size, nil
}
