package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
)

// DryRun is a command to decide without appending: on user UserID as it is now, or as
// it was at Revision (if > 0) or instant At (if not zero).
type DryRun struct {
	UserID   uuid.UUID
	Actor    auth.Principal
	Revision int64
	At       time.Time
	Command  user.Command
	Meta     Metadata
}

// DryRunResult is what the command would do. Refused holds the domain's refusal (then
// Events is empty); otherwise Events are the events an append would write, encoded and
// checked against their schemas, with the metadata they would carry, and After is the
// state they would lead to.
type DryRunResult struct {
	Before  user.State // the state decided on
	Events  []eventstore.NewEvent
	After   user.State
	Refused error
}

// DryRun decides d.Command on the state asked for and returns the result; it appends
// nothing, writes no credentials, claims nothing and records no idempotency key. Only the
// aggregate's decision and the events' schemas are checked: what the store checks at
// append (unique usernames and emails, the last active admin, a concurrent writer) is
// not. Admins only. The error is for failures to answer (forbidden, a store error, a
// stream that cannot be read, a user that did not exist at that point); a refusal of the command is Refused.
func (s *Service) DryRun(ctx context.Context, d DryRun) (DryRunResult, error) {
	if !d.Actor.IsAdmin() {
		return DryRunResult{}, ErrForbidden
	}
	if _, ok := d.Command.(user.CreateUser); ok {
		// A creation needs a password and a fresh id; a dry run of one tests nothing
		// a real request would not answer at once.
		return DryRunResult{}, validation("command", "CreateUser cannot be dry-run")
	}
	// The state decided on is shown: a person forgotten through another instance must
	// show erased, not opened with a key this instance still caches.
	if err := s.noteErasures(ctx, []uuid.UUID{d.UserID}); err != nil {
		return DryRunResult{}, err
	}
	u, err := s.load(ctx, d.UserID, pointInTime{revision: d.Revision, at: d.At})
	if err != nil {
		return DryRunResult{}, err
	}
	if !u.Exists() {
		return DryRunResult{}, user.ErrNotFound // as GET …/state answers: nothing to decide on
	}
	if d.Revision > 0 && u.Revision() < d.Revision {
		return DryRunResult{}, &RevisionNotFoundError{UserID: d.UserID, Revision: d.Revision, Events: u.Revision()}
	}
	res := DryRunResult{Before: u.State(), After: u.State()}
	events, err := u.Decide(d.Command)
	if err != nil {
		res.Refused = err
		return res, nil
	}
	return s.wouldAppend(d, u, events, res)
}

// wouldAppend encodes events as an append would and applies them to u (recorded now).
func (s *Service) wouldAppend(d DryRun, u *user.User, events []user.Event, res DryRunResult) (DryRunResult, error) {
	meta := metadata(Envelope{UserID: d.UserID, Actor: d.Actor, Meta: d.Meta})
	now := time.Now().UTC()
	for _, ev := range events {
		// Not sealed: nothing is stored, and the admin asking sees the values it would write.
		ne, err := s.encode(ev, meta, d.UserID, sealing{})
		if err != nil {
			return DryRunResult{}, err
		}
		res.Events = append(res.Events, ne)
		if err := u.Apply(user.RecordedEvent{Revision: u.Revision() + 1, RecordedAt: now, Event: ev}); err != nil {
			return DryRunResult{}, err
		}
	}
	res.After = u.State()
	return res, nil
}
