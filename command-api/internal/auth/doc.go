// Package auth issues and checks command-api's bearer tokens and says what each role may
// do.
//
// Tokens are HS256 JWTs: sub is the user id, role the user's role at login (informative
// only: command-api takes the role from the user's current state on every request), exp
// bounds their life. The secret must be at least MinSecretLen bytes; the issuer and the signing
// method are checked, so a token signed for another service or with "none" is refused.
//
//	tokens := auth.NewTokens(secret, 15*time.Minute)
//	tok, _ := tokens.Issue(auth.Principal{ID: id, Role: auth.RoleAdmin})
//	p, err := tokens.Verify(tok)
//
// Roles: admin may do everything; user may read, update itself and change its own
// password. Tokens are not revoked, but the HTTP layer checks the token's user on every
// request: a role change takes effect on the user's next request, and a deleted user's
// token is refused (401).
package auth
