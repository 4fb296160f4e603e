package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/auth"
	"github.com/recall-events/recall/command-api/internal/user"
)

// Command is what a CommandHandler handles; the name labels logs and metrics.
type Command interface {
	CommandName() string
}

// CommandHandler is the one shape of every command handler, so decorators wrap them all.
type CommandHandler[C Command] interface {
	Handle(ctx context.Context, cmd C) (Result, error)
}

// HandlerFunc adapts a function to CommandHandler.
type HandlerFunc[C Command] func(ctx context.Context, cmd C) (Result, error)

// Handle calls f.
func (f HandlerFunc[C]) Handle(ctx context.Context, cmd C) (Result, error) { return f(ctx, cmd) }

// Envelope is what every command carries besides its own fields.
type Envelope struct {
	UserID uuid.UUID
	Actor  auth.Principal
	// IfMatch is the revision the caller expects (If-Match); nil means "the latest",
	// and conflicts are retried.
	IfMatch     *int64
	Meta        Metadata
	Idempotency *Idempotency
}

// Metadata is the "why and where from" recorded on every event; the actor comes from
// Envelope.Actor, never from here.
type Metadata struct {
	Reason        string
	CorrelationID string
	CausationID   string
	RequestID     string
	Traceparent   string
}

// Idempotency stores the caller's response with the events, so a retry is answered with
// the same bytes. Response is called inside the transaction with the result to store.
type Idempotency struct {
	Scope       string
	Key         string
	Fingerprint []byte
	TTL         time.Duration
	Response    func(Result) ([]byte, error)
}

// Result is what a command did.
type Result struct {
	UserID   uuid.UUID
	Revision int64 // the stream's revision after the command: the consistency token
	Changed  bool  // false: the command changed nothing and appended nothing
	// Replay, when set, is the stored response of an earlier request with the same
	// idempotency key: answer with it.
	Replay []byte
}

// CreateUser creates a user with a password.
type CreateUser struct {
	Envelope
	Fields   user.CreateUser
	Password string
}

// UpdateUser changes names or email.
type UpdateUser struct {
	Envelope
	Fields user.UpdateUser
}

// ChangePassword sets a new password; Current is required unless an admin acts.
type ChangePassword struct {
	Envelope
	Current *string
	New     string
}

// ChangeRole sets the role.
type ChangeRole struct {
	Envelope
	Role string
}

// DeleteUser soft-deletes a user.
type DeleteUser struct{ Envelope }

// RestoreUser undoes a delete.
type RestoreUser struct{ Envelope }

// ForgetUser erases the person (right to erasure); Envelope.Meta.Reason is required and
// kept in plaintext.
type ForgetUser struct{ Envelope }

func (CreateUser) CommandName() string     { return "CreateUser" }
func (UpdateUser) CommandName() string     { return "UpdateUser" }
func (ChangePassword) CommandName() string { return "ChangePassword" }
func (ChangeRole) CommandName() string     { return "ChangeRole" }
func (DeleteUser) CommandName() string     { return "DeleteUser" }
func (RestoreUser) CommandName() string    { return "RestoreUser" }
func (ForgetUser) CommandName() string     { return "ForgetUser" }

// enveloped gives the decorators the envelope of any command.
type enveloped interface{ envelope() Envelope }

func (e Envelope) envelope() Envelope { return e }
