package httpapi

import (
	"encoding/json"

	"github.com/gin-gonic/gin"

	"github.com/recall-events/recall/command-api/internal/app"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
)

// DryRunPath is the dry-run route. Gin reads ':' as the start of a path parameter; its
// router (since v1.10) takes an escaped colon as a literal, so the route keeps the
// AIP-136 custom-method spelling documented in openapi.json.
const DryRunPath = `/:id/commands\:dry-run`

type dryRunRequest struct {
	Command string          `json:"command"`
	Input   json.RawMessage `json:"input"`
}

type dryRunEvent struct {
	EventType     string              `json:"event_type"`
	SchemaVersion int                 `json:"schema_version"`
	Data          json.RawMessage     `json:"data"`
	Metadata      eventstore.Metadata `json:"metadata"`
}

type dryRunResponse struct {
	ID      string `json:"id"`
	Command string `json:"command"`
	// Outcome: "events" (Events would be appended), "unchanged" (the command would
	// succeed and append nothing) or "refused" (Problem is the answer it would get).
	Outcome  string        `json:"outcome"`
	Events   []dryRunEvent `json:"events"`
	Problem  *Problem      `json:"problem"`
	Before   *stateView    `json:"before"`
	After    *stateView    `json:"after"`
	Appended bool          `json:"appended"`
}

// dryRunCommands decode each command's input: the body its real route takes.
var dryRunCommands = map[string]func(input []byte) (user.Command, *string, *Problem){
	"UpdateUser": func(in []byte) (user.Command, *string, *Problem) {
		var r updateUserRequest
		p := decodeBody(in, &r, false)
		return user.UpdateUser{FirstName: r.FirstName, LastName: r.LastName, Email: r.Email}, r.Reason, p
	},
	"ChangeRole": func(in []byte) (user.Command, *string, *Problem) {
		var r changeRoleRequest
		p := decodeBody(in, &r, false)
		return user.ChangeRole{Role: r.Role}, r.Reason, p
	},
	"ChangePassword": func(in []byte) (user.Command, *string, *Problem) {
		// No password travels to a dry run: the decision does not see one anyway.
		var r struct{}
		return user.ChangePassword{ResetByAdmin: true}, nil, decodeBody(in, &r, true)
	},
	"DeleteUser": func(in []byte) (user.Command, *string, *Problem) {
		var r reasonRequest
		p := decodeBody(in, &r, true)
		return user.DeleteUser{}, r.Reason, p
	},
	"RestoreUser": func(in []byte) (user.Command, *string, *Problem) {
		var r reasonRequest
		p := decodeBody(in, &r, true)
		return user.RestoreUser{}, r.Reason, p
	},
}

// dryRun decides a command on the user as it is, or was (?at= or ?revision=), and
// answers what it would append or the problem it would meet; it appends nothing (admins).
func (s *server) dryRun(c *gin.Context) {
	id, ok := userID(c)
	if !ok {
		return
	}
	if !principal(c).IsAdmin() {
		writeProblem(c, problem(403, KindForbidden, "only admins dry-run commands"))
		return
	}
	rev, at, p := pointInTime(c)
	if p == nil {
		if _, hasAt := c.GetQuery("at"); hasAt && at.IsZero() {
			p = problem(404, KindNotFound, "the user did not exist yet at that instant")
		}
	}
	name, cmd, reason, p := dryRunCommand(body(c), p)
	if p != nil {
		writeProblem(c, p)
		return
	}
	res, err := s.svc.DryRun(c.Request.Context(), app.DryRun{UserID: id, Actor: principal(c), Revision: rev, At: at,
		Command: cmd, Meta: envelope(c, id, reason, nil, nil).Meta})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(200, dryRunAnswer(c, id.String(), name, res))
}

// dryRunCommand decodes the request; prior is a problem found already (it wins).
func dryRunCommand(raw []byte, prior *Problem) (string, user.Command, string, *Problem) {
	if prior != nil {
		return "", nil, "", prior
	}
	var req dryRunRequest
	if p := decodeBody(raw, &req, false); p != nil {
		return "", nil, "", p
	}
	decode, ok := dryRunCommands[req.Command]
	if !ok {
		return "", nil, "", fieldProblem(422, KindValidation, "the request has invalid fields",
			map[string]string{"command": "must be UpdateUser, ChangeRole, ChangePassword, DeleteUser or RestoreUser"})
	}
	cmd, reason, p := decode(req.Input)
	if p != nil {
		return "", nil, "", p
	}
	why, p := reasonOf(reason)
	return req.Command, cmd, why, p
}

func dryRunAnswer(c *gin.Context, id, name string, res app.DryRunResult) dryRunResponse {
	out := dryRunResponse{ID: id, Command: name, Outcome: "events", Events: make([]dryRunEvent, len(res.Events))}
	b := stateOf(app.StateView{State: res.Before, Erased: res.Before.Status == user.StatusForgotten})
	out.Before = &b
	for i, e := range res.Events {
		out.Events[i] = dryRunEvent{EventType: e.EventType, SchemaVersion: e.SchemaVersion, Data: e.Data, Metadata: e.Metadata}
	}
	switch {
	case res.Refused != nil:
		out.Outcome = "refused"
		out.Problem = problemFor(res.Refused)
		out.Problem.Instance, out.Problem.RequestID = c.Request.URL.Path, requestID(c)
	case len(res.Events) == 0:
		out.Outcome = "unchanged"
	}
	if res.After.Revision > 0 {
		a := stateOf(app.StateView{State: res.After, Erased: res.After.Status == user.StatusForgotten})
		out.After = &a
	}
	return out
}
