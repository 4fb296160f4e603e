package user

import "github.com/google/uuid"

// Command is one of the command structs below; Decide dispatches on it.
// Commands carry raw client input: the decisions validate and normalise it,
// so every problem of one request is reported at once.
type Command interface {
	// CommandName names the command for logs and metrics.
	CommandName() string
}

// CreateUser creates the user of stream ID. Role "" means RoleUser, the
// least privileged.
type CreateUser struct {
	ID        uuid.UUID
	Username  string
	Email     string
	FirstName string
	LastName  string
	Role      string
}

// UpdateUser changes the given (non-nil) fields; at least one is required.
// Fields equal to the current value are allowed and simply not changed; if
// nothing would change the decision returns no event (idempotent retries).
type UpdateUser struct {
	FirstName *string
	LastName  *string
	Email     *string
}

// ChangePassword records that the password changed. The password itself
// and its hash are the application layer's (a credentials table): they
// never enter an event. ResetByAdmin tells an admin reset from a change by
// the user.
type ChangePassword struct {
	ResetByAdmin bool
}

// ChangeRole sets the role. Changing to the current role yields no event.
type ChangeRole struct {
	Role string
}

// DeleteUser soft-deletes the user and releases its username and email.
type DeleteUser struct{}

// RestoreUser undoes a delete and claims username and email again.
type RestoreUser struct{}

// ForgetUser erases the person (right to erasure). Reason is required and is
// kept in plaintext after the erasure, so it must not name the person: neither
// by a value they hold now nor by one they held before (Former).
type ForgetUser struct {
	Reason string
	// Former lists the personal values the person's stream recorded
	// (PersonalValues of its events): an old address or a maiden name in the
	// reason would outlive the erasure as surely as the current ones.
	Former []string
}

func (CreateUser) CommandName() string     { return "CreateUser" }
func (UpdateUser) CommandName() string     { return "UpdateUser" }
func (ChangePassword) CommandName() string { return "ChangePassword" }
func (ChangeRole) CommandName() string     { return "ChangeRole" }
func (DeleteUser) CommandName() string     { return "DeleteUser" }
func (RestoreUser) CommandName() string    { return "RestoreUser" }
func (ForgetUser) CommandName() string     { return "ForgetUser" }
