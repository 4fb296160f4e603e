package users

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/projector/projection"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/schemas"
)

// Name is the projection's name in the projections table.
const Name = readmodel.Projection

// Projection is the users projection of one version; a projection.Handler.
type Projection struct {
	pool    *pgxpool.Pool
	version int
	writer  *readmodel.UsersWriter
	keys    *subjectkeys.Keyring
	// Tracer, when set, makes a span of each batch's transaction, the database write
	// of the records' traces (see Handle); nil: none.
	Tracer trace.Tracer
}

// New returns the projection of version v; Setup must have created its table. keys opens
// the sealed personal fields; a field whose key is gone (the person was forgotten) is
// projected as "". Nil keys can only project plaintext events (tests).
func New(pool *pgxpool.Pool, v int, keys *subjectkeys.Keyring) (*Projection, error) {
	w, err := readmodel.NewUsersWriter(v)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	return &Projection{pool: pool, version: v, writer: w, keys: keys}, nil
}

// Handle applies msgs in one transaction; see the package doc.
func (p *Projection) Handle(ctx context.Context, msgs []projection.Message) (int, error) {
	limit, stopErr := len(msgs), error(nil)
	for i, m := range msgs {
		if !schemas.IsUUID(m.Event.AggregateID) {
			limit, stopErr = i, projection.Poison(fmt.Errorf("aggregate id %q is not a UUID", m.Event.AggregateID))
			break
		}
	}
	opener, err := p.opener(ctx, msgs[:limit])
	if err != nil {
		return 0, err
	}
	var n int
	spans := p.startWrite(ctx, limit)
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		rows, err := p.load(ctx, tx, msgs[:limit])
		if err != nil {
			return err
		}
		var foldErr error
		n, foldErr = p.fold(ctx, opener, rows, msgs[:limit])
		if foldErr != nil {
			stopErr = foldErr
		}
		if err := p.writer.Write(ctx, tx, rows); err != nil {
			return err
		}
		return p.scrub(ctx, tx, rows)
	})
	for _, span := range spans {
		if err != nil {
			span.SetStatus(codes.Error, "transaction failed")
		} else {
			span.SetAttributes(attribute.Int("recall.applied", n))
		}
		span.End()
	}
	if err != nil {
		return 0, fmt.Errorf("users: apply batch: %w", err)
	}
	return n, stopErr
}

// startWrite starts the spans of the batch's transaction (lock rows, fold, upsert): one
// per traced record, a child of its consumer span (projection.Traced), so each request's
// trace ends in the write that applied it; db.operation.batch.size says the write was
// shared. None without a Tracer or a traced record.
func (p *Projection) startWrite(ctx context.Context, size int) []trace.Span {
	parents := projection.Traced(ctx)
	if p.Tracer == nil || len(parents) == 0 {
		return nil
	}
	table := readmodel.UsersTable(p.version)
	spans := make([]trace.Span, len(parents))
	for i, parent := range parents {
		_, spans[i] = p.Tracer.Start(trace.ContextWithSpanContext(ctx, parent), "apply "+table,
			trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
				attribute.String("db.system.name", "postgresql"),
				attribute.String("db.collection.name", table),
				attribute.String("db.operation.name", "apply"),
				attribute.Int("db.operation.batch.size", size),
			))
	}
	return spans
}

// opener opens one batch's events: a field whose key is gone becomes "". The keys of the
// batch's people with sealed events come from the keyring in one call (its cache, then
// one query for the rest) and are kept for the batch: the fold asks for a key once per
// event, and going back to the keyring each time (id parsing, its lock, the LRU) cost
// more than opening the fields. The memo lives for one batch: a key erased meanwhile by
// another process is no different from one in the keyring's cache, and the batch's own
// erasures come after its transaction (scrub).
func (p *Projection) opener(ctx context.Context, msgs []projection.Message) (schemas.Opener, error) {
	o := schemas.Opener{Erased: []byte(`""`)}
	if p.keys == nil {
		return o, nil
	}
	ids := make([]uuid.UUID, 0, len(msgs))
	last := ""
	for _, m := range msgs {
		// Only sealed data needs a key: the fold leaves the metadata's reason sealed.
		if data, _ := schemas.SealedFields(m.Event.EventType, m.Event.SchemaVersion); len(data) == 0 {
			continue
		}
		if m.Event.AggregateID == last {
			continue // a person's events come in runs; the keyring drops other repeats
		}
		last = m.Event.AggregateID
		if id, err := uuid.Parse(last); err == nil {
			ids = append(ids, id)
		}
	}
	known, err := p.keys.Keys(ctx, ids)
	if err != nil {
		return o, err
	}
	b := &batchKeys{keys: p.keys, memo: make(map[string]batchKey, len(known))}
	for subject, key := range known {
		bk := batchKey{id: key.ID}
		if key.Raw != nil {
			if bk.aead, err = key.Cipher(); err != nil {
				continue // left to the keyring, which reports it
			}
		}
		// Keyed as the fold asks: the aggregate id lower-cased, as uuid prints it.
		b.memo[subject.String()] = bk
	}
	o.Keys = b
	return o, nil
}

// batchKeys is a schemas.CipherProvider over a keyring, remembering its answers.
type batchKeys struct {
	keys *subjectkeys.Keyring
	memo map[string]batchKey // by subject id as the events spell it
}

type batchKey struct {
	id   string
	aead cipher.AEAD // nil: forgotten
}

// answers reports whether k answers for keyID: it is that key, or the person is forgotten.
func (k batchKey) answers(keyID string) bool { return k.aead == nil || k.id == keyID }

func (b *batchKeys) DataKey(ctx context.Context, subjectID, keyID string) ([]byte, error) {
	return b.keys.DataKey(ctx, subjectID, keyID)
}

// DataKeyCipher answers from the memo when the subject asked for the same key before:
// the keyring's answers (a key, or forgotten) do not change within a batch. Errors are
// not remembered.
func (b *batchKeys) DataKeyCipher(ctx context.Context, subjectID, keyID string) (cipher.AEAD, error) {
	if k, ok := b.memo[subjectID]; ok && k.answers(keyID) {
		return k.aead, nil
	}
	aead, err := b.keys.DataKeyCipher(ctx, subjectID, keyID)
	if err != nil {
		return nil, err
	}
	b.memo[subjectID] = batchKey{id: keyID, aead: aead}
	return aead, nil
}

// scrub erases forgotten people from the users tables of the other versions too (a
// retired table not dropped yet, a version not running): every read-model version
// forgets them, whichever applies UserForgotten first.
func (p *Projection) scrub(ctx context.Context, tx pgx.Tx, rows map[string]*readmodel.Row) error {
	for id, r := range rows {
		if r.Status == readmodel.StatusForgotten && r.Changed() {
			if err := readmodel.ScrubUser(ctx, tx, id, p.version); err != nil {
				return err
			}
			if p.keys != nil {
				p.keys.Erased(uuid.MustParse(id))
			}
		}
	}
	return nil
}

// fold applies msgs in order to rows (keyed by id) until the first event that
// cannot apply, and returns how many were handled.
func (p *Projection) fold(ctx context.Context, opener schemas.Opener, rows map[string]*readmodel.Row, msgs []projection.Message) (int, error) {
	for i := range msgs {
		ev := msgs[i].Event
		ev.AggregateID = strings.ToLower(ev.AggregateID) // rows are keyed as PostgreSQL prints uuids
		r := rows[ev.AggregateID]
		stored := int64(0)
		if r != nil {
			stored = r.Revision
		}
		switch {
		case ev.Revision == stored && r.LastEventID != "" && !strings.EqualFold(r.LastEventID, ev.EventID):
			return i, &projection.IntegrityError{AggregateID: ev.AggregateID, Revision: stored,
				AppliedEventID: r.LastEventID, ReceivedEventID: ev.EventID}
		case ev.Revision <= stored:
			msgs[i].Skipped = true
			continue
		case ev.Revision != stored+1:
			return i, &projection.GapError{AggregateID: ev.AggregateID, Stored: stored, Got: ev.Revision}
		}
		opened, err := opener.OpenEventData(ctx, ev) // the read model keeps no reason
		if err != nil {
			if errors.Is(err, schemas.ErrSealed) || errors.Is(err, schemas.ErrInvalidData) {
				return i, projection.Poison(err)
			}
			return i, err // the keys database: transient
		}
		next, err := apply(r, opened)
		if err != nil {
			return i, err
		}
		rows[ev.AggregateID] = next
	}
	return len(msgs), nil
}

// load reads, and locks, the rows of every aggregate in msgs.
func (p *Projection) load(ctx context.Context, tx pgx.Tx, msgs []projection.Message) (map[string]*readmodel.Row, error) {
	ids := make([]string, 0, len(msgs))
	seen := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		if id := strings.ToLower(m.Event.AggregateID); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return p.writer.Lock(ctx, tx, ids)
}
