// Package app runs command-api's commands and audit queries on the event store.
//
// Every command has one shape: load the User (the newest snapshot of the current state
// version plus the events after it, upcast by the domain's Unmarshal), decide (the
// domain returns events or a typed error), append the events in one transaction with the
// unique claims they take or release, the credentials row they justify, the idempotency
// record of the request and, every SnapshotEvery events, a snapshot.
//
//	svc := app.NewService(store, app.Options{...})
//	h := app.Decorate[app.UpdateUser](svc.UpdateUserHandler(), logger, m)
//	res, err := h.Handle(ctx, app.UpdateUser{Envelope: env, Fields: user.UpdateUser{Email: &e}})
//
// Optimistic concurrency: a command with an expected revision (If-Match) fails with
// ErrPreconditionFailed when the stream moved; one without is retried on a conflict up to
// MaxConflictRetries times with jittered backoff. Writers of one stream inside this
// process queue on a per-stream lock first, so conflicts (and wasted loads) only arise
// between processes.
//
// Every event passes the Avro contract (schemas.Validate) before it is appended, so the
// relay never meets an event it cannot encode: a failing one is ErrEventSchema and nothing
// is stored.
//
// Authorization lives here too (ErrForbidden), not only in the HTTP layer: whatever
// adapter calls a handler, a user can change nobody but itself.
package app
