package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Claim is a unique value (kind "email", value "ada@example.com") held by one stream.
type Claim struct {
	Kind  string
	Value string
}

// Idempotency stores a request's response with its events, so that a retry with the same
// key gets the same answer and a reuse with another request is refused.
type Idempotency struct {
	Scope       string // e.g. the route and caller; keys are unique within a scope
	Key         string
	Fingerprint []byte // a hash of the request
	TTL         time.Duration
	// Response builds the stored response once the store has assigned revisions.
	Response func(recorded []Recorded) ([]byte, error)
}

// AppendRequest appends Events to one stream in one transaction, together with the claims,
// releases, idempotency record, snapshot and caller rows that belong with them.
type AppendRequest struct {
	AggregateType string
	AggregateID   uuid.UUID
	Expected      ExpectedRevision
	Events        []NewEvent
	Claims        []Claim // taken for this stream; ErrClaimTaken if another holds one
	Releases      []Claim // given up by this stream
	// Guards are other streams that must be at the given revisions when the events are
	// written, e.g. the stream of the actor whose role authorised the command: checked in
	// the insert statement itself, so the check costs no read. A failed guard stores
	// nothing and returns a *GuardError (errors.Is ErrGuard).
	Guards      []Guard
	Idempotency *Idempotency
	// Within runs in the transaction after the events are inserted, e.g. to write the
	// credentials row of a password change. An error rolls everything back.
	Within func(ctx context.Context, tx pgx.Tx, recorded []Recorded) error
	// Snapshot, when set, may return a snapshot to store in the same transaction.
	Snapshot func(recorded []Recorded) (*Snapshot, error)
}

// Guard expects stream AggregateID to be exactly at Revision.
type Guard struct {
	AggregateID uuid.UUID
	Revision    int64
}

// AppendResult is what one append stored.
type AppendResult struct {
	Recorded []Recorded
	Revision int64 // the stream's revision after the append
}

func (r *AppendRequest) validate() error {
	var errs []error
	if r.AggregateType == "" {
		errs = append(errs, errors.New("aggregate type is empty"))
	}
	if r.AggregateID == uuid.Nil {
		errs = append(errs, errors.New("aggregate id is nil"))
	}
	if len(r.Events) == 0 {
		errs = append(errs, errors.New("no events"))
	}
	for i, e := range r.Events {
		if e.EventType == "" {
			errs = append(errs, fmt.Errorf("event %d: empty type", i))
		}
		if e.SchemaVersion < 1 {
			errs = append(errs, fmt.Errorf("event %d: schema version %d", i, e.SchemaVersion))
		}
		if !json.Valid(e.Data) {
			errs = append(errs, fmt.Errorf("event %d: data is not valid JSON", i))
		}
	}
	for i, g := range r.Guards {
		if g.AggregateID == uuid.Nil || g.Revision < 1 {
			errs = append(errs, fmt.Errorf("guard %d: stream %s at revision %d", i, g.AggregateID, g.Revision))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidAppend, err)
	}
	return nil
}

// Append stores the request atomically. A stale expectation returns a *ConcurrencyError
// (errors.Is ErrConcurrency) and stores nothing; so does a taken claim (*ClaimError).
func (s *Store) Append(ctx context.Context, req AppendRequest) (AppendResult, error) {
	if err := req.validate(); err != nil {
		return AppendResult{}, err
	}
	rows, err := newEventRows(req.Events)
	if err != nil {
		return AppendResult{}, err
	}
	if req.alone() {
		// The insert statement checks the expectation, numbers the revisions and writes
		// the events by itself, and one statement is one transaction: no BEGIN/COMMIT
		// round trips for the most common append.
		recorded, err := insertEvents(ctx, s.pool, &req, rows)
		if err != nil {
			return AppendResult{}, err
		}
		return AppendResult{Recorded: recorded, Revision: recorded[len(recorded)-1].Revision}, nil
	}
	var res AppendResult
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		res, err = appendTx(ctx, tx, &req, rows)
		return err
	})
	if err != nil {
		return AppendResult{}, err
	}
	return res, nil
}

// alone reports whether the events are all the append writes.
func (r *AppendRequest) alone() bool {
	return r.Idempotency == nil && len(r.Claims) == 0 && len(r.Releases) == 0 && r.Within == nil && r.Snapshot == nil
}

// querier is what the insert needs: the pool (a lone append) or the append's transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func appendTx(ctx context.Context, tx pgx.Tx, req *AppendRequest, rows eventRows) (AppendResult, error) {
	if req.Idempotency != nil {
		if err := reserveIdempotency(ctx, tx, req.Idempotency); err != nil {
			return AppendResult{}, err
		}
	}
	if err := releaseClaims(ctx, tx, req.AggregateID, req.Releases); err != nil {
		return AppendResult{}, err
	}
	recorded, err := insertEvents(ctx, tx, req, rows)
	if err != nil {
		return AppendResult{}, err
	}
	// Claims after the stream row is locked: writers of one stream are serialised there
	// first, so only claimers of different streams ever race for a value.
	if err := takeClaims(ctx, tx, req.AggregateID, req.Claims); err != nil {
		return AppendResult{}, err
	}
	if err := finishTx(ctx, tx, req, recorded); err != nil {
		return AppendResult{}, err
	}
	return AppendResult{Recorded: recorded, Revision: recorded[len(recorded)-1].Revision}, nil
}

func finishTx(ctx context.Context, tx pgx.Tx, req *AppendRequest, recorded []Recorded) error {
	if req.Within != nil {
		if err := req.Within(ctx, tx, recorded); err != nil {
			return err
		}
	}
	if req.Snapshot != nil {
		snap, err := req.Snapshot(recorded)
		if err != nil {
			return fmt.Errorf("eventstore: snapshot: %w", err)
		}
		if snap != nil {
			if err := saveSnapshot(ctx, tx, *snap); err != nil {
				return err
			}
		}
	}
	if req.Idempotency != nil {
		return storeResponse(ctx, tx, req.Idempotency, recorded)
	}
	return nil
}

// eventRows holds the events column-wise, as the unnest insert takes them.
type eventRows struct {
	ids      []uuid.UUID
	types    []string
	versions []int32
	data     []string
	metadata []string
}

func newEventRows(events []NewEvent) (eventRows, error) {
	r := eventRows{
		ids: make([]uuid.UUID, len(events)), types: make([]string, len(events)),
		versions: make([]int32, len(events)), data: make([]string, len(events)),
		metadata: make([]string, len(events)),
	}
	for i, e := range events {
		id := e.EventID
		if id == uuid.Nil {
			var err error
			if id, err = uuid.NewV7(); err != nil {
				return r, fmt.Errorf("eventstore: event id: %w", err)
			}
		}
		meta, err := json.Marshal(e.Metadata)
		if err != nil {
			return r, fmt.Errorf("eventstore: metadata: %w", err)
		}
		r.ids[i], r.types[i], r.versions[i] = id, e.EventType, int32(e.SchemaVersion)
		r.data[i], r.metadata[i] = string(e.Data), string(meta)
	}
	return r, nil
}

// The stream row is locked and advanced by n in the same statement that inserts the
// events, so the expectation check, the revision numbers and the insert cannot drift.
// recorded_at is read once, after the lock: later revisions of a stream never carry an
// earlier instant (now(), the transaction's start, could), and one append shares one
// instant, so time travel never sees half of a command.
const (
	streamExact = `UPDATE streams SET revision = revision + $3
		WHERE aggregate_id = $1 AND aggregate_type = $2 AND revision = $9%[2]s
		RETURNING revision - $3 AS base, clock_timestamp() AS at`
	streamNew = `INSERT INTO streams (aggregate_id, aggregate_type, revision) %[1]s
		ON CONFLICT (aggregate_id) DO NOTHING
		RETURNING 0::bigint AS base, clock_timestamp() AS at`
	streamAny = `INSERT INTO streams (aggregate_id, aggregate_type, revision) %[1]s
		ON CONFLICT (aggregate_id) DO UPDATE SET revision = streams.revision + EXCLUDED.revision
		WHERE streams.aggregate_type = EXCLUDED.aggregate_type
		RETURNING revision - $3 AS base, clock_timestamp() AS at`
	insertEventsSQL = `WITH s AS (%s)
		INSERT INTO events (event_id, aggregate_type, aggregate_id, revision, event_type, schema_version, recorded_at, data, metadata)
		SELECT e.id, $2, $1, s.base + e.ord, e.typ, e.ver, s.at, e.data::json, e.meta::json
		FROM s, unnest($4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[])
			WITH ORDINALITY AS e(id, typ, ver, data, meta, ord)
		ORDER BY e.ord
		RETURNING event_id, revision, global_position, recorded_at`
	// guardSQL holds when a guarded stream (id $n, revision $n+1) is at its revision:
	// one primary-key lookup. It is part of the statement that writes the stream row, so
	// a failed guard writes nothing, not even in a lone (autocommitted) statement.
	guardSQL = ` EXISTS (SELECT 1 FROM streams g WHERE g.aggregate_id = $%d AND g.revision = $%d)`
)

// insertSQL are the insert statements by expectation, without and with one guard; more
// guards take guardedSQL.
var insertSQL = func() (m [3][2]string) {
	for kind := range m {
		m[kind][0], m[kind][1] = guardedSQL(kind, 0), guardedSQL(kind, 1)
	}
	return m
}()

// guardedSQL is the insert statement of an expectation kind with n guards.
func guardedSQL(kind, n int) string {
	stream := [3]string{streamAny, streamNew, streamExact}[kind]
	if n == 0 {
		return fmt.Sprintf(insertEventsSQL, fmt.Sprintf(stream, "VALUES ($1, $2, $3)", ""))
	}
	next := 9 // after the eight common parameters (and the exact revision, $9)
	if kind == expectExact {
		next = 10
	}
	guards := make([]string, n)
	for i := range guards {
		guards[i] = fmt.Sprintf(guardSQL, next+2*i, next+2*i+1)
	}
	cond := strings.Join(guards, " AND")
	return fmt.Sprintf(insertEventsSQL, fmt.Sprintf(stream, "SELECT $1::uuid, $2::text, $3::bigint WHERE"+cond, " AND"+cond))
}

// The kinds of expectation, indexing insertSQL.
const (
	expectAny = iota
	expectNew
	expectExact
)

func insertEvents(ctx context.Context, tx querier, req *AppendRequest, r eventRows) ([]Recorded, error) {
	kind := expectAny
	expected, exact := req.Expected.Revision()
	switch {
	case exact && expected == noStreamRevision:
		kind = expectNew
	case exact:
		kind = expectExact
	}
	args := []any{req.AggregateID, req.AggregateType, int64(len(r.ids)), r.ids, r.types, r.versions, r.data, r.metadata}
	if kind == expectExact {
		args = append(args, expected)
	}
	sql := insertSQL[kind][min(len(req.Guards), 1)]
	if len(req.Guards) > 1 {
		sql = guardedSQL(kind, len(req.Guards))
	}
	for _, g := range req.Guards {
		args = append(args, g.AggregateID, g.Revision)
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("eventstore: append: %w", err)
	}
	recorded, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Recorded, error) {
		var rec Recorded
		err := row.Scan(&rec.EventID, &rec.Revision, &rec.GlobalPosition, &rec.RecordedAt)
		return rec, err
	})
	if err != nil {
		return nil, fmt.Errorf("eventstore: append: %w", err)
	}
	if len(recorded) == 0 {
		return nil, refusal(ctx, tx, req)
	}
	return recorded, nil
}

// refusal explains an insert that wrote nothing: a guarded stream that moved (checked
// first: its writer's authority is in question), else the expectation.
func refusal(ctx context.Context, tx querier, req *AppendRequest) error {
	ids := []uuid.UUID{req.AggregateID}
	for _, g := range req.Guards {
		ids = append(ids, g.AggregateID)
	}
	rows, err := tx.Query(ctx, `SELECT aggregate_id, revision FROM streams WHERE aggregate_id = ANY($1)`, ids)
	if err != nil {
		return &ConcurrencyError{AggregateID: req.AggregateID, Expected: req.Expected, Actual: -1}
	}
	actual := map[uuid.UUID]int64{}
	var id uuid.UUID
	var rev int64
	_, err = pgx.ForEachRow(rows, []any{&id, &rev}, func() error { actual[id] = rev; return nil })
	if err != nil {
		return &ConcurrencyError{AggregateID: req.AggregateID, Expected: req.Expected, Actual: -1}
	}
	for _, g := range req.Guards {
		if actual[g.AggregateID] != g.Revision {
			return &GuardError{AggregateID: g.AggregateID, Expected: g.Revision, Actual: actual[g.AggregateID]}
		}
	}
	return &ConcurrencyError{AggregateID: req.AggregateID, Expected: req.Expected, Actual: actual[req.AggregateID]}
}

func sortedClaims(claims []Claim) ([]string, []string) {
	c := append([]Claim(nil), claims...)
	// A fixed order keeps two multi-claim transactions from deadlocking on each other.
	sort.Slice(c, func(i, j int) bool {
		if c[i].Kind != c[j].Kind {
			return c[i].Kind < c[j].Kind
		}
		return c[i].Value < c[j].Value
	})
	kinds, values := make([]string, len(c)), make([]string, len(c))
	for i := range c {
		kinds[i], values[i] = c[i].Kind, c[i].Value
	}
	return kinds, values
}

func releaseClaims(ctx context.Context, tx pgx.Tx, id uuid.UUID, claims []Claim) error {
	if len(claims) == 0 {
		return nil
	}
	kinds, values := sortedClaims(claims)
	_, err := tx.Exec(ctx, `DELETE FROM unique_claims c USING unnest($2::text[], $3::text[]) AS r(kind, value)
		WHERE c.kind = r.kind AND c.value = r.value AND c.aggregate_id = $1`, id, kinds, values)
	if err != nil {
		return fmt.Errorf("eventstore: release claims: %w", err)
	}
	return nil
}

func takeClaims(ctx context.Context, tx pgx.Tx, id uuid.UUID, claims []Claim) error {
	if len(claims) == 0 {
		return nil
	}
	kinds, values := sortedClaims(claims)
	// A value this stream already holds is re-taken (no-op update); a value another
	// stream holds returns no row. The primary key makes concurrent claimers queue, so
	// exactly one of them wins.
	rows, err := tx.Query(ctx, `INSERT INTO unique_claims (kind, value, aggregate_id)
		SELECT kind, value, $1 FROM unnest($2::text[], $3::text[]) AS c(kind, value)
		ON CONFLICT (kind, value) DO UPDATE SET aggregate_id = EXCLUDED.aggregate_id
		WHERE unique_claims.aggregate_id = EXCLUDED.aggregate_id
		RETURNING kind, value`, id, kinds, values)
	if err != nil {
		return fmt.Errorf("eventstore: claim: %w", err)
	}
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Claim, error) {
		var c Claim
		err := row.Scan(&c.Kind, &c.Value)
		return c, err
	})
	if err != nil {
		return fmt.Errorf("eventstore: claim: %w", err)
	}
	if len(got) == len(claims) {
		return nil
	}
	return &ClaimError{Claims: missingClaims(claims, got)}
}

func missingClaims(want, got []Claim) []Claim {
	held := make(map[Claim]bool, len(got))
	for _, c := range got {
		held[c] = true
	}
	var missing []Claim
	for _, c := range want {
		if !held[c] {
			missing = append(missing, c)
		}
	}
	return missing
}
