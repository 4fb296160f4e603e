package httpapi

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
)

type historyEvent struct {
	EventID       string              `json:"event_id"`
	Revision      int64               `json:"revision"`
	EventType     string              `json:"event_type"`
	SchemaVersion int                 `json:"schema_version"`
	RecordedAt    time.Time           `json:"recorded_at"`
	Data          json.RawMessage     `json:"data"`
	Metadata      eventstore.Metadata `json:"metadata"`
}

type historyResponse struct {
	ID     string         `json:"id"`
	Events []historyEvent `json:"events"`
}

// history answers every event of the stream with who, when and why, from the store.
func (s *server) history(c *gin.Context) {
	id, ok := userID(c)
	if !ok || !mayRead(c, id) {
		return
	}
	entries, err := s.svc.History(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	out := historyResponse{ID: id.String(), Events: make([]historyEvent, len(entries))}
	for i, e := range entries {
		out.Events[i] = historyEvent{EventID: e.EventID.String(), Revision: e.Revision, EventType: e.EventType,
			SchemaVersion: e.SchemaVersion, RecordedAt: e.RecordedAt.UTC(), Data: e.Data, Metadata: e.Metadata}
	}
	c.Header("ETag", etag(entries[len(entries)-1].Revision))
	c.JSON(200, out)
}

// stateOf is the user as the store rebuilt it, in the same shape the read model serves.
func stateOf(st user.State) userView {
	out := userView{ID: st.ID.String(), Username: st.Username, Email: st.Email, FirstName: st.FirstName,
		LastName: st.LastName, Role: st.Role.String(), Status: st.Status.String(),
		CreatedAt: st.CreatedAt.UTC(), UpdatedAt: st.UpdatedAt.UTC(), Revision: st.Revision}
	if !st.DeletedAt.IsZero() {
		d := st.DeletedAt.UTC()
		out.DeletedAt = &d
	}
	return out
}

// state rebuilds the user as of ?at=<RFC 3339> or ?revision=N (one of them, or neither
// for now), from the store.
func (s *server) state(c *gin.Context) {
	id, ok := userID(c)
	if !ok || !mayRead(c, id) {
		return
	}
	rev, at, p := pointInTime(c)
	if p != nil {
		writeProblem(c, p)
		return
	}
	if _, hasAt := c.GetQuery("at"); hasAt && at.IsZero() {
		// 0001-01-01T00:00:00Z precedes every stream; the zero instant must not read as
		// "no instant given" (the current state).
		writeProblem(c, problem(404, KindNotFound, "the user did not exist yet at that instant"))
		return
	}
	st, err := s.svc.StateAt(c.Request.Context(), id, rev, at)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("ETag", etag(st.Revision))
	c.JSON(200, stateOf(st))
}

func pointInTime(c *gin.Context) (int64, time.Time, *Problem) {
	atRaw, hasAt := c.GetQuery("at")
	revRaw, hasRev := c.GetQuery("revision")
	bad := map[string]string{}
	var (
		rev int64
		at  time.Time
		err error
	)
	if hasAt && hasRev {
		bad["at"] = "give either at or revision, not both"
	}
	if hasAt {
		if at, err = time.Parse(time.RFC3339Nano, atRaw); err != nil {
			bad["at"] = "must be an RFC 3339 instant, e.g. 2026-11-25T10:00:00Z"
		}
	}
	if hasRev {
		if rev, err = strconv.ParseInt(revRaw, 10, 64); err != nil || rev < 1 {
			bad["revision"] = "must be an integer ≥ 1"
		}
	}
	if len(bad) > 0 {
		return 0, time.Time{}, fieldProblem(422, KindValidation, "the query has invalid parameters", bad)
	}
	return rev, at, nil
}
