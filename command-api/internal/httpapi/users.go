package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/app"
	"github.com/recall-events/recall/command-api/internal/metrics"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/ops/tracing"
)

// respondWrite builds the answer of a write: {id, revision} with the ETag, plus Location
// for a creation.
func respondWrite(status int) func(app.Result) storedResponse {
	return func(r app.Result) storedResponse {
		body, _ := json.Marshal(writeResponse{ID: r.UserID.String(), Revision: r.Revision})
		h := map[string]string{"Content-Type": "application/json; charset=utf-8", "ETag": etag(r.Revision)}
		if status == http.StatusCreated {
			h["Location"] = "/v1/users/" + r.UserID.String()
		}
		return storedResponse{Status: status, Headers: h, Body: body}
	}
}

// envelope gathers what every command carries: the user, the actor from the token, the
// expected revision, metadata from the body and headers, the idempotency record.
func envelope(c *gin.Context, id uuid.UUID, reason string, ifMatch *int64, respond func(app.Result) storedResponse) app.Envelope {
	meta := app.Metadata{Reason: reason, RequestID: requestID(c), CorrelationID: requestID(c)}
	if v := c.GetHeader("X-Correlation-ID"); safeHeaderID.MatchString(v) {
		meta.CorrelationID = v
	}
	if v := c.GetHeader("X-Causation-ID"); safeHeaderID.MatchString(v) {
		meta.CausationID = v
	}
	// The request's server span (traceRequest) is the parent the relay and the projector
	// continue from. With tracing off it is the caller's own traceparent, passed on as
	// before; without either, none.
	meta.Traceparent = tracing.Traceparent(c.Request.Context())
	return app.Envelope{UserID: id, Actor: principal(c), IfMatch: ifMatch, Meta: meta,
		Idempotency: idempotencyFor(c, respond)}
}

// userID parses the :id path parameter; a malformed id names no user: 404.
func userID(c *gin.Context) (uuid.UUID, bool) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		writeProblem(c, problem(404, KindNotFound, "no such user"))
		return uuid.Nil, false
	}
	return id, true
}

func (s *server) createUser(c *gin.Context) {
	var req createUserRequest
	if p := decodeBody(body(c), &req, false); p != nil {
		writeProblem(c, p)
		return
	}
	reason, p := reasonOf(req.Reason)
	if p != nil {
		writeProblem(c, p)
		return
	}
	id, err := uuid.NewV7()
	if err != nil {
		fail(c, err)
		return
	}
	respond := respondWrite(http.StatusCreated)
	res, err := s.runCommand(c, envelope(c, id, reason, nil, respond), func(ctx context.Context, env app.Envelope) (app.Result, error) {
		return s.handlers.CreateUser.Handle(ctx, app.CreateUser{Envelope: env,
			Fields: user.CreateUser{Username: req.Username, Email: req.Email, FirstName: req.FirstName,
				LastName: req.LastName, Role: req.Role},
			Password: req.Password,
		})
	})
	if errors.Is(err, errAnswered) {
		return
	}
	finish(c, res, err, respond)
}

// prepare parses what every write on an existing user needs: id, body, If-Match.
func (s *server) prepare(c *gin.Context, v any, optional bool) (uuid.UUID, *int64, bool) {
	id, ok := userID(c)
	if !ok {
		return id, nil, false
	}
	if p := decodeBody(body(c), v, optional); p != nil {
		writeProblem(c, p)
		return id, nil, false
	}
	rev, p := s.ifMatch(c)
	if p != nil {
		writeProblem(c, p)
		return id, nil, false
	}
	return id, rev, true
}

func (s *server) updateUser(c *gin.Context) {
	var req updateUserRequest
	s.update(c, &req, false, &req.Reason, func(ctx context.Context, env app.Envelope) (app.Result, error) {
		return s.handlers.UpdateUser.Handle(ctx, app.UpdateUser{Envelope: env,
			Fields: user.UpdateUser{FirstName: req.FirstName, LastName: req.LastName, Email: req.Email}})
	})
}

// changePassword: a check of current_password is throttled and counted like a login.
func (s *server) changePassword(c *gin.Context) {
	var req changePasswordRequest
	s.update(c, &req, false, nil, func(ctx context.Context, env app.Envelope) (app.Result, error) {
		if req.CurrentPassword == nil {
			return s.handlers.ChangePassword.Handle(ctx, app.ChangePassword{Envelope: env, New: req.NewPassword})
		}
		if s.throttled(c, metrics.CheckPassword, env.UserID.String()) {
			return app.Result{}, errAnswered
		}
		res, err := s.handlers.ChangePassword.Handle(ctx, app.ChangePassword{Envelope: env,
			Current: req.CurrentPassword, New: req.NewPassword})
		s.countCheck(metrics.CheckPassword, checkOutcome(err))
		return res, err
	})
}

func (s *server) changeRole(c *gin.Context) {
	var req changeRoleRequest
	s.update(c, &req, false, &req.Reason, func(ctx context.Context, env app.Envelope) (app.Result, error) {
		return s.handlers.ChangeRole.Handle(ctx, app.ChangeRole{Envelope: env, Role: req.Role})
	})
}

func (s *server) deleteUser(c *gin.Context) {
	var req reasonRequest
	s.update(c, &req, true, &req.Reason, func(ctx context.Context, env app.Envelope) (app.Result, error) {
		return s.handlers.DeleteUser.Handle(ctx, app.DeleteUser{Envelope: env})
	})
}

func (s *server) restoreUser(c *gin.Context) {
	var req reasonRequest
	s.update(c, &req, true, &req.Reason, func(ctx context.Context, env app.Envelope) (app.Result, error) {
		return s.handlers.RestoreUser.Handle(ctx, app.RestoreUser{Envelope: env})
	})
}

// forgetUser erases the person; the reason is required (the domain says so) and kept.
func (s *server) forgetUser(c *gin.Context) {
	var req reasonRequest
	s.update(c, &req, false, &req.Reason, func(ctx context.Context, env app.Envelope) (app.Result, error) {
		return s.handlers.ForgetUser.Handle(ctx, app.ForgetUser{Envelope: env})
	})
}

// update is the shape of every write on an existing user: decode req into its fields
// (optional: the body may be empty), check the reason it carries (nil: none), run the
// command with the envelope, answer 200 with the consistency token.
func (s *server) update(c *gin.Context, req any, optional bool, reason **string, handle func(context.Context, app.Envelope) (app.Result, error)) {
	id, rev, ok := s.prepare(c, req, optional)
	if !ok {
		return
	}
	var why string
	if reason != nil {
		var p *Problem
		if why, p = reasonOf(*reason); p != nil {
			writeProblem(c, p)
			return
		}
	}
	respond := respondWrite(http.StatusOK)
	res, err := s.runCommand(c, envelope(c, id, why, rev, respond), handle)
	if errors.Is(err, errAnswered) {
		return
	}
	finish(c, res, err, respond)
}

// errAnswered: the handler has already written the response (a 429).
var errAnswered = errors.New("httpapi: answered")

// maxActorChecks bounds how often one request reads its actor again because the actor's
// user kept changing under its commands.
const maxActorChecks = 3

// runCommand runs handle until its answer rests on the actor's current state. An append
// is guarded on the revision of the actor's stream its principal was checked at: it
// commits only while the actor is as checked. Any other answer (a refusal, a no-op, a
// replay) given on a provisional principal is confirmed by reading the actor, and a
// command whose actor moved meanwhile, or whose guard failed, runs again as the actor
// now is. So a deleted, demoted or logged-out actor is refused as before, and an
// unchanged one costs no read.
func (s *server) runCommand(c *gin.Context, env app.Envelope, handle func(context.Context, app.Envelope) (app.Result, error)) (app.Result, error) {
	for checks := 1; ; checks++ {
		res, err := handle(c.Request.Context(), env)
		moved := errors.Is(err, app.ErrActorChanged)
		if appended(res, err) && s.metrics != nil {
			s.metrics.RequestToCommit.Observe(time.Since(c.GetTime(ctxStart)).Seconds())
		}
		if errors.Is(err, errAnswered) || checks > maxActorChecks || !moved && (appended(res, err) || !c.GetBool(ctxProvisional)) {
			return res, err
		}
		p, aerr := s.actorNow(c)
		if aerr != nil {
			return app.Result{}, aerr
		}
		if !moved && p.Revision == env.Actor.Revision {
			return res, err
		}
		env.Actor = p
	}
}

// appended reports whether a command's answer is an append of its own (so guarded).
func appended(res app.Result, err error) bool { return err == nil && res.Changed && res.Replay == nil }
