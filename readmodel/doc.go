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
// The projection calls pg_notify(NotifyChannel, table) in each applying
// transaction; the Store keeps one LISTEN connection and wakes every waiter,
// which re-reads its row. A slow poll (PollInterval) backs that up while the
// listening connection is being re-established.
//
// # Pagination
//
// Lists are ordered by (username, id) — username is a "C"-collated column, so
// the order is bytewise and stable — and paged with keyset cursors. A page
// token is opaque (base64 of the last row's key and a fingerprint of the
// filters); one made for other filters is refused with ErrInvalidPageToken.
package readmodel
