package user

import "fmt"

// Decide runs the decision of any command. The command handlers each call their own
// decision; a caller holding a command whose type it does not know in advance uses this:
// the dry-run route (POST /v1/users/{id}/commands:dry-run) and the usertest helper, which
// replay a command on a past state.
func (u *User) Decide(cmd Command) ([]Event, error) {
	switch c := cmd.(type) {
	case CreateUser:
		return u.Create(c)
	case UpdateUser:
		return u.Update(c)
	case ChangePassword:
		return u.ChangePassword(c)
	case ChangeRole:
		return u.ChangeRole(c)
	case DeleteUser:
		return u.Delete(c)
	case RestoreUser:
		return u.Restore(c)
	case ForgetUser:
		return u.Forget(c)
	}
	return nil, fmt.Errorf("user: unknown command %T", cmd)
}
