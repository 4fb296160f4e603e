// Package readmodel answers queries from the projector's read models; command-api
// serves GET /v1/users and GET /v1/users/{id} with it.
//
//	store := readmodel.New(pool) // a *pgxpool.Pool on the read-model database
//	defer store.Close()
//
//	u, err := store.Get(ctx, id)                       // ErrNotFound; u.Status "deleted" → 410
//	page, err := store.List(ctx, readmodel.ListParams{ // ErrInvalidArgument, ErrInvalidPageToken → 422
//		UsernamePrefix: "ad", Status: "active", PageSize: 50,
//	})
//	next := page.NextPageToken // "" on the last page
//
//	// read-your-writes: the write returned revision 7
//	ctx, cancel := context.WithTimeout(ctx, 2*time.Second) // the caller bounds the wait (≤ 10 s)
//	defer cancel()
//	u, err = store.WaitForRevision(ctx, id, 7) // errors.Is(err, ErrLagging) → 503 + Retry-After
//
// # Versions
//
// The users read model exists once per projection version (users_v1,
// users_v2, ...). The Store reads which version is live from the projections
// table and caches the answer briefly (LiveTTL, default one second), so a
// version promoted by the replayer is served without a restart; a query that
// meets a dropped table refreshes the cache and retries once. Queries name their
// columns, so a later version may add columns without breaking this package.
//
// # Waiting
//
// The projection calls pg_notify(NotifyChannel, "users_v1 <id>:<rev> ...") in
// each applying transaction, naming the rows it changed (split under
// PostgreSQL's 8000-byte limit; a bare table name, "re-check everything", when
// the batch is too large). The Store keeps one LISTEN connection and one entry
// per waited user, however many callers wait on it. A notification starts one
// read of the rows it names that have a waiter at or below the revision, and
// that read releases every waiter it satisfies; notifications for other rows
// cost nothing. Nothing polls while the connection is up; while it is down, one
// read of every waited row per PollInterval backs it up, and a reconnect
// catches up with one read. WaitForRevision does it all; Watch, Get and
// Watch.Wait let a caller admit a wait (caps, metrics) after a fresh read:
//
//	w, err := store.Watch(id, 7) // before the read: nothing committed after it is missed
//	defer w.Close()
//	u, err := store.Get(ctx, id)
//	if err == nil && u.Revision >= 7 { ... } // fresh
//	u, err = w.Wait(ctx)                     // ErrLagging when ctx ends first
//
// # Pagination
//
// Lists are ordered by (username, id) — username is a "C"-collated column, so
// the order is bytewise and stable — and paged with keyset cursors. A page
// token is opaque (base64 of the last row's key and a fingerprint of the
// filters); one made for other filters is refused with ErrInvalidPageToken.
package readmodel
