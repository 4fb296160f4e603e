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
// Roles: admin may do everything; auditor reads every user, history and state and
// writes nothing but its own password; service (machine callers) reads only itself and
// changes only its own password; user reads and updates only itself. A token must carry
// iat, not in the future, and live no longer than the configured TTL. The HTTP layer
// checks the token's user on every request: the role comes from the user's current
// state, a deleted user's token is refused (401), and so is every token issued before the
// user's last password change, role change or deletion.
package auth
