package user

// ClaimKind names a value that must be unique among live users.
type ClaimKind string

// The unique values of a user.
const (
	ClaimUsername ClaimKind = "username"
	ClaimEmail    ClaimKind = "email"
)

// Claim is a unique value an event takes or gives back. The application
// layer passes claims to the event store, which records them in the same
// transaction as the event: a taken value makes the append fail (409).
// Values are normalised (lower-cased), so uniqueness is case-insensitive.
type Claim struct {
	Kind  ClaimKind
	Value string
}

// Claims returns what ev takes (claim) and gives back (release). before is
// the user the event was decided on: events carry no copy of the values they
// release or claim again. Events that touch no unique value return nil, nil.
//
//	UserCreated     claims username and email
//	UserUpdated     with an email: claims the new one, releases before's
//	UserDeleted     releases before's username and email
//	UserRestored    claims before's username and email again
//	UserForgotten   nothing here: the application releases every claim of
//	                the stream (the values may already be unreadable)
func Claims(ev Event, before *User) (claim, release []Claim) {
	switch e := ev.(type) {
	case UserCreated:
		return pair(e.Username, e.Email), nil
	case UserUpdated:
		if e.Email == nil {
			return nil, nil
		}
		claim = []Claim{{ClaimEmail, *e.Email}}
		if before != nil && before.email != (Email{}) {
			release = []Claim{{ClaimEmail, before.email.String()}}
		}
		return claim, release
	case UserDeleted:
		if before != nil {
			return nil, pair(before.username.String(), before.email.String())
		}
	case UserRestored:
		if before != nil {
			return pair(before.username.String(), before.email.String()), nil
		}
	}
	return nil, nil
}

func pair(username, email string) []Claim {
	return []Claim{{ClaimUsername, username}, {ClaimEmail, email}}
}
