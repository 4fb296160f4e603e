package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/app"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/schemas"
)

// historyEvent is one event of the audit trail. Data and metadata are the stored JSON
// with sealed fields opened (metadata.reason_sealed answered as reason); a field whose
// key is gone shows {"erased": true}.
type historyEvent struct {
	EventID       string          `json:"event_id"`
	Revision      int64           `json:"revision"`
	EventType     string          `json:"event_type"`
	SchemaVersion int             `json:"schema_version"`
	RecordedAt    time.Time       `json:"recorded_at"`
	Data          json.RawMessage `json:"data"`
	Metadata      json.RawMessage `json:"metadata"`
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
		if len(out.Events[i].Metadata) == 0 {
			out.Events[i].Metadata = json.RawMessage("{}")
		}
	}
	c.Header("ETag", etag(entries[len(entries)-1].Revision))
	c.JSON(200, out)
}

// stateView is the user as the store rebuilt it, in the shape the read model serves,
// except that a forgotten person's personal fields are {"erased": true}.
type stateView struct {
	ID        string           `json:"id"`
	Username  schemas.Personal `json:"username"`
	Email     schemas.Personal `json:"email"`
	FirstName schemas.Personal `json:"first_name"`
	LastName  schemas.Personal `json:"last_name"`
	Role      string           `json:"role"`
	Status    string           `json:"status"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
	DeletedAt *time.Time       `json:"deleted_at,omitempty"`
	Revision  int64            `json:"revision"`
}

func stateOf(sv app.StateView) stateView {
	st := sv.State
	personal := func(v string) schemas.Personal { return schemas.Personal{Value: v, Erased: sv.Erased} }
	out := stateView{ID: st.ID.String(), Username: personal(st.Username), Email: personal(st.Email),
		FirstName: personal(st.FirstName), LastName: personal(st.LastName), Role: st.Role.String(),
		Status: st.Status.String(), CreatedAt: st.CreatedAt.UTC(), UpdatedAt: st.UpdatedAt.UTC(), Revision: st.Revision}
	if !st.DeletedAt.IsZero() {
		d := st.DeletedAt.UTC()
		out.DeletedAt = &d
	}
	return out
}

type dataKeyResponse struct {
	SubjectID string `json:"subject_id"`
	KeyID     string `json:"key_id"`
	Algorithm string `json:"algorithm"`
	Format    string `json:"format"`
	Key       string `json:"key"`
	MaxAge    int    `json:"max_age_seconds"`
}

// dataKey serves a person's data key to a machine caller (role service, or admin) that
// opens sealed fields itself; max_age_seconds says how long it may keep it. A forgotten
// person's key is gone: 410 forgotten.
func (s *server) dataKey(c *gin.Context) {
	id, ok := userID(c)
	if !ok {
		return
	}
	key, found, ttl, err := s.svc.DataKey(c.Request.Context(), principal(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	if !found {
		fail(c, s.keyGone(c, id))
		return
	}
	// The lifetime is in the body, for the caller's own key cache; the response stays
	// no-store (securityHeaders) like every /v1 answer, so no HTTP cache on the way or in
	// the client library writes a raw data key to disk, where it would outlive the
	// caller's dropping it on UserForgotten.
	secs := int(ttl / time.Second)
	c.JSON(200, dataKeyResponse{SubjectID: id.String(), KeyID: key.ID, Algorithm: "AES-256-GCM", Format: "rcl1",
		Key: base64.StdEncoding.EncodeToString(key.Raw), MaxAge: secs})
}

// keyGone explains a missing key: forgotten (410), no such user (404), a user written
// before events were sealed, who gets a key with their next change (404), or a person
// created a moment ago whose transaction this session cannot see yet (404: retry).
func (s *server) keyGone(c *gin.Context, id uuid.UUID) error {
	st, err := s.svc.StateAt(c.Request.Context(), id, 0, time.Time{})
	switch {
	case err != nil:
		return err
	case st.Status == user.StatusForgotten:
		return user.ErrForgotten
	}
	return problem(404, KindNotFound, "the user has no data key yet (written before events were sealed, or created a moment ago: retry)")
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
