package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/command-api/internal/user"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/ops"
	"github.com/recall-events/recall/schemas"
)

// plan is what distinguishes one command from another: its decision and the rows it
// writes beside its events (credentials).
type plan struct {
	name   string
	decide func(u *user.User) ([]user.Event, error)
	within func(ctx context.Context, tx pgx.Tx, before *user.User) error
}

// execute runs p for env: lock the stream, then load → decide → append, retrying
// concurrency conflicts when the caller expects no particular revision.
func (s *Service) execute(ctx context.Context, env Envelope, p plan) (Result, error) {
	unlock, err := s.locks.lock(ctx, env.UserID)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	for attempt := 1; ; attempt++ {
		res, err := s.attempt(ctx, env, p, false)
		if !errors.Is(err, eventstore.ErrConcurrency) {
			return res, err
		}
		if s.opts.Metrics != nil {
			s.opts.Metrics.Conflicts.WithLabelValues(p.name).Inc()
		}
		if env.IfMatch != nil {
			return Result{}, fmt.Errorf("%w: %w", ErrPreconditionFailed, err)
		}
		if attempt > s.opts.MaxConflictRetries {
			return Result{}, fmt.Errorf("%w: %w", ErrTooManyConflicts, err)
		}
		if err := ops.Sleep(ctx, s.backoff(attempt)); err != nil {
			return Result{}, err
		}
	}
}

// attempt decides on the cached state of the user when there is one (fresh=false) and
// trusts it only as far as the store can check it: an append expects exactly the cached
// revision, so a stale cache ends in a concurrency conflict and one fresh attempt, never in
// a wrong event. A refusal or a no-op decided on a cached state is not checked by any
// append, so it is decided again on the current state before it is answered.
func (s *Service) attempt(ctx context.Context, env Envelope, p plan, fresh bool) (Result, error) {
	// Attributes are set only on recording spans: with tracing off, building them (the
	// id's string) would be the only cost of these spans.
	lctx, span := s.opts.Tracer.Start(ctx, "load")
	u, cached, err := s.decisionState(lctx, env.UserID, fresh)
	if span.IsRecording() {
		span.SetAttributes(attribute.String("recall.user_id", env.UserID.String()), attribute.Bool("recall.cached", cached))
	}
	endSpan(span, err)
	if err != nil {
		return Result{}, err
	}
	if env.IfMatch != nil && u.Exists() && u.Revision() != *env.IfMatch {
		if cached {
			return s.attempt(ctx, env, p, true)
		}
		return Result{}, fmt.Errorf("%w: expected %d, stream is at %d", ErrPreconditionFailed, *env.IfMatch, u.Revision())
	}
	_, span = s.opts.Tracer.Start(ctx, "decide")
	events, err := p.decide(u)
	if span.IsRecording() {
		// A refusal is the domain's answer, not a failure of the service: its kind is an
		// attribute, the span's status stays unset (the message may name personal data).
		span.SetAttributes(attribute.String("recall.command", p.name), attribute.Int("recall.events", len(events)),
			attribute.String("recall.outcome", Outcome(err)))
	}
	span.End()
	if cached && (err != nil || len(events) == 0) {
		return s.attempt(ctx, env, p, true)
	}
	if err != nil {
		return Result{}, err
	}
	if len(events) == 0 {
		return s.unchanged(ctx, env, Result{UserID: env.UserID, Revision: u.Revision()})
	}
	// The snapshotter may apply the events to u; remember starts from a copy.
	before := *u
	req, err := s.appendRequest(ctx, env, p, u, events)
	if err != nil {
		return Result{}, err
	}
	expected := u.Revision() // the snapshotter may advance u during the append
	actx, span := s.opts.Tracer.Start(ctx, "append")
	res, recorded, err := s.append(actx, env, req)
	if span.IsRecording() {
		span.SetAttributes(attribute.Int64("recall.expected_revision", expected), attribute.Int("recall.events", len(events)))
		if err == nil {
			span.SetAttributes(attribute.Int64("recall.revision", res.Revision))
		}
	}
	endSpan(span, err)
	if cached && errors.Is(err, eventstore.ErrConcurrency) {
		return s.attempt(ctx, env, p, true)
	}
	if err == nil {
		s.remember(before, events, recorded)
	}
	return res, err
}

// endSpan ends span, marking it failed with err's kind (Outcome: never the message,
// which may carry personal data) when err is set.
func endSpan(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		span.SetStatus(codes.Error, Outcome(err))
	}
	span.End()
}

// decisionState is the user to decide on: the cached state unless fresh, else the state
// loaded from the store (the cache plus every event after it).
func (s *Service) decisionState(ctx context.Context, id uuid.UUID, fresh bool) (*user.User, bool, error) {
	if !fresh {
		if st, ok := s.cache.get(id); ok {
			if u, err := user.FromState(st); err == nil {
				return u, true, nil
			}
		}
	}
	u, err := s.load(ctx, id, pointInTime{})
	return u, false, err
}

// remember caches the state after an append (before, a copy of the decided-on user, plus
// the events as recorded), so the next command on the user decides without a read.
func (s *Service) remember(before user.User, events []user.Event, recorded []eventstore.Recorded) {
	if len(recorded) != len(events) {
		return
	}
	u := before
	for i, r := range recorded {
		if u.Apply(user.RecordedEvent{Revision: r.Revision, RecordedAt: r.RecordedAt, Event: events[i]}) != nil {
			return
		}
	}
	s.cache.put(u.State())
}

func (s *Service) append(ctx context.Context, env Envelope, req eventstore.AppendRequest) (Result, []eventstore.Recorded, error) {
	start := time.Now()
	res, err := s.store.Append(ctx, req)
	if s.opts.Metrics != nil {
		s.opts.Metrics.Append.Observe(time.Since(start).Seconds())
	}
	if errors.Is(err, eventstore.ErrIdempotencyReplay) {
		r, err := s.replay(ctx, env.Idempotency)
		return r, nil, err
	}
	if errors.Is(err, eventstore.ErrGuard) {
		return Result{}, nil, fmt.Errorf("%w: %w", ErrActorChanged, err)
	}
	if err != nil {
		return Result{}, nil, err
	}
	return Result{UserID: env.UserID, Revision: res.Revision, Changed: true}, res.Recorded, nil
}

// unchanged answers a command that decided no events. With an idempotency key it still
// records the response, so a retry replays it and the key reused for another request is
// refused, as after a command that appended.
func (s *Service) unchanged(ctx context.Context, env Envelope, res Result) (Result, error) {
	idem := env.Idempotency
	if idem == nil {
		return res, nil
	}
	resp, err := idem.Response(res)
	if err != nil {
		return Result{}, err
	}
	err = s.store.RecordIdempotency(ctx, storeIdempotency(env), resp)
	if errors.Is(err, eventstore.ErrIdempotencyReplay) {
		return s.replay(ctx, idem)
	}
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// replay answers a request whose key another request used first (it committed while this
// one was deciding): with that request's stored response.
func (s *Service) replay(ctx context.Context, idem *Idempotency) (Result, error) {
	resp, found, err := s.store.LookupIdempotency(ctx, idem.Scope, idem.Key, idem.Fingerprint)
	if err != nil {
		return Result{}, err
	}
	if !found {
		return Result{}, fmt.Errorf("app: idempotency key %q used but no response stored", idem.Key)
	}
	return Result{Replay: resp}, nil
}

// appendRequest turns decided events into one append: encoded, checked against the Avro
// contract, with metadata, claims, credentials, idempotency record and maybe a snapshot.
func (s *Service) appendRequest(ctx context.Context, env Envelope, p plan, u *user.User, events []user.Event) (eventstore.AppendRequest, error) {
	meta := metadata(env)
	req := eventstore.AppendRequest{
		AggregateType: user.AggregateType, AggregateID: env.UserID,
		Expected: eventstore.Exactly(u.Revision()),
	}
	if env.Actor.Revision > 0 {
		// The actor's role and token were checked at this revision of its stream; the
		// insert writes only if the stream is still there, so authority is checked at
		// commit without a read per request.
		req.Guards = []eventstore.Guard{{AggregateID: env.Actor.ID, Revision: env.Actor.Revision}}
	}
	sl, err := s.sealingFor(ctx, u, events)
	if err != nil {
		return req, err
	}
	for _, ev := range events {
		ne, err := s.encode(ev, meta, env.UserID, sl)
		if err != nil {
			return req, err
		}
		req.Events = append(req.Events, ne)
		claim, release := user.Claims(ev, u)
		req.Claims = append(req.Claims, s.storeClaims(claim)...)
		req.Releases = append(req.Releases, s.storeClaims(release)...)
	}
	req.Within = s.within(p, u, sl)
	req.Idempotency = storeIdempotency(env)
	req.Snapshot = s.snapshotter(u, events, sl.key)
	return req, nil
}

// within is what the append writes beside its events: a new data key (in the transaction
// of the first events sealed with it) and the plan's own rows.
func (s *Service) within(p plan, before *user.User, sl sealing) func(context.Context, pgx.Tx, []eventstore.Recorded) error {
	if p.within == nil && sl.insert == nil {
		return nil
	}
	return func(ctx context.Context, tx pgx.Tx, _ []eventstore.Recorded) error {
		if sl.insert != nil {
			if err := s.keys.Insert(ctx, tx, before.ID(), *sl.insert); err != nil {
				return err
			}
		}
		if p.within != nil {
			return p.within(ctx, tx, before)
		}
		return nil
	}
}

func (s *Service) storeClaims(cs []user.Claim) []eventstore.Claim {
	out := make([]eventstore.Claim, len(cs))
	for i, c := range cs {
		out[i] = eventstore.Claim{Kind: string(c.Kind), Value: s.claimValue(c.Kind, c.Value)}
	}
	return out
}

func storeIdempotency(env Envelope) *eventstore.Idempotency {
	idem := env.Idempotency
	if idem == nil {
		return nil
	}
	return &eventstore.Idempotency{
		Scope: idem.Scope, Key: idem.Key, Fingerprint: idem.Fingerprint, TTL: idem.TTL,
		Response: func(rec []eventstore.Recorded) ([]byte, error) {
			return idem.Response(Result{UserID: env.UserID, Revision: rec[len(rec)-1].Revision, Changed: true})
		},
	}
}

// snapshotter stores the state after the append when it crosses a multiple of
// SnapshotEvery. It applies the events to u as recorded, so u is spent afterwards (every
// attempt loads afresh).
func (s *Service) snapshotter(u *user.User, events []user.Event, key *schemas.DataKey) func([]eventstore.Recorded) (*eventstore.Snapshot, error) {
	every := s.opts.SnapshotEvery
	// The append expects exactly u.Revision(), so the revisions it will get are known:
	// without a multiple of every among them there is nothing to snapshot, and an append
	// without a snapshot callback is a single statement in the store.
	if every <= 0 || u.Revision()/every == (u.Revision()+int64(len(events)))/every {
		return nil
	}
	if key == nil && s.keys != nil {
		return nil // nothing to seal the state with (a forgotten user): no snapshot
	}
	return func(rec []eventstore.Recorded) (*eventstore.Snapshot, error) {
		last := rec[len(rec)-1]
		for i, r := range rec {
			if err := u.Apply(user.RecordedEvent{Revision: r.Revision, RecordedAt: r.RecordedAt, Event: events[i]}); err != nil {
				return nil, err
			}
		}
		state, err := sealState(key, u.State())
		if err != nil {
			return nil, err
		}
		return &eventstore.Snapshot{
			AggregateID: u.ID(), AggregateType: user.AggregateType, Revision: last.Revision,
			StateVersion: user.StateVersion, State: state, AsOf: last.RecordedAt,
		}, nil
	}
}
