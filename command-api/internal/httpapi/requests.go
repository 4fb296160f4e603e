package httpapi

import "github.com/recall-events/recall/command-api/internal/user"

// Request bodies of the write routes. Optional fields are pointers, so "absent" and
// "null" (both: leave unchanged) differ from "" (an empty value, which the domain judges).

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type createUserRequest struct {
	Username  string  `json:"username"`
	Email     string  `json:"email"`
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Password  string  `json:"password"`
	Role      string  `json:"role"`
	Reason    *string `json:"reason"`
}

type updateUserRequest struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Email     *string `json:"email"`
	Reason    *string `json:"reason"`
}

type changePasswordRequest struct {
	CurrentPassword *string `json:"current_password"`
	NewPassword     string  `json:"new_password"`
}

type changeRoleRequest struct {
	Role   string  `json:"role"`
	Reason *string `json:"reason"`
}

type reasonRequest struct {
	Reason *string `json:"reason"`
}

// ReasonMaxLen bounds a reason: it is metadata, not a document.
const ReasonMaxLen = user.ReasonMaxLen

// reasonOf validates an optional reason with the name rules (no NUL, line breaks or
// bidirectional overrides: it is shown in audit trails and logs); the problem is nil
// when it is fine.
func reasonOf(r *string) (string, *Problem) {
	if r == nil {
		return "", nil
	}
	v, err := user.NormalizeReason(*r)
	if err != nil {
		return "", problemFor(err)
	}
	return v, nil
}

// writeResponse is the body of every successful write: the consistency token.
type writeResponse struct {
	ID       string `json:"id"`
	Revision int64  `json:"revision"`
}

type loginResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}
