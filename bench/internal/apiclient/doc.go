// Package apiclient is the harness's HTTP client of command-api: log in as the admin,
// create and update users, read a user's state as of a revision. Each call returns the
// HTTP status next to the error, because the harness counts outcomes (2xx, 409, 5xx,
// connection errors) instead of failing on the first one.
//
//	c := apiclient.New(baseURL, 64)
//	err := c.Login(ctx, "admin", "recall-admin")
//	res, err := c.UpdateUser(ctx, id, apiclient.Update{FirstName: "Ada"}, requestID)
package apiclient
