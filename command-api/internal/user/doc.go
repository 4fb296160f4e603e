// Package user is the pure domain of command-api: the User aggregate, its
// commands, events, validation, unique claims, the event codec and the
// upcasters. It knows nothing of HTTP, SQL, Kafka or Avro; adapters
// translate at the edges.
//
// # Handling a command
//
// The application layer (internal/app) loads the stream (a compatible
// snapshot plus the events after it), calls the decision method of its
// command, then appends the decided events with the unique values they
// claim, in one transaction:
//
//	u, err := user.Rehydrate(id, snapshot, recorded) // []user.RecordedEvent
//	events, err := u.Update(user.UpdateUser{Email: &email}) // or Create, ChangeRole, Delete, ...
//	switch {
//	case errors.Is(err, user.ErrValidation): // 422, err is *user.ValidationError
//	case errors.Is(err, user.ErrNotFound):   // 404
//	case errors.Is(err, user.ErrDeleted):    // 410
//	case errors.Is(err, user.ErrConflict), errors.Is(err, user.ErrAlreadyExists): // 409
//	}
//	if len(events) == 0 {
//		// Nothing changes (same values, same role): append nothing and
//		// answer with the current revision, u.Revision().
//	}
//	for _, ev := range events {
//		typ, version, data, err := user.Marshal(ev)
//		claim, release := user.Claims(ev, u)
//		// append (typ, version, data) expecting revision u.Revision(),
//		// with claim/release, in one transaction.
//	}
//
// Decisions never change the aggregate; only Apply does, fed with events as
// recorded (with their revision and recorded_at). So the instants of a
// User are those the database recorded, and rebuilding at any later time,
// or as of an earlier time for GET .../state?at=, is deterministic.
//
// # Values
//
// Role and Status are structs with an unexported field: outside this
// package no invalid one can exist. The aggregate holds its username and
// e-mail address as Username and Email, which only NewUsername and NewEmail
// make from input: they trim and lower-case, so uniqueness is
// case-insensitive. NormalizeName checks first and last names. The decisions
// build their events through these constructors and report every problem of
// a command at once in a *ValidationError (field → message); Apply takes the
// recorded values as they are, since history must always apply.
//
// # Reading old events
//
// Unmarshal accepts any schema version that an upcaster chain lifts to the
// current one: registered steps are keyed by (event_type, from_version) and
// applied one version at a time. UserCreated v1 had one full_name; the
// v1→v2 step splits it at the first space. Marshal always writes the
// current version.
//
// # Snapshots
//
// State is the aggregate as plain JSON-ready data. It carries StateVersion;
// when the aggregate changes, bump it and old snapshots become
// incompatible (State.Compatible reports false, FromState refuses them), so
// callers rebuild from revision 1 instead of trusting an old layout.
package user
