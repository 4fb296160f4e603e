package subjectkeys

import (
	"container/list"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// DataKeySize is the size of a data key (AES-256).
const DataKeySize = 32

// DB is what the keyring's statements run on: a pool, or the append's transaction.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Key is one person's data key, unwrapped.
type Key struct {
	ID  string // the key id sealed values name (a UUID)
	Raw []byte // 32 bytes
	// aead is the key's AES-256-GCM, built once when the key enters the cache: building
	// it (key expansion, GHASH tables) cost more than opening the fields of an event.
	aead cipher.AEAD
}

// Cipher returns the key's AES-256-GCM: the cached one for a key from the keyring, else
// a new one. Safe for concurrent use, as every stdlib GCM is.
func (k Key) Cipher() (cipher.AEAD, error) {
	if k.aead != nil {
		return k.aead, nil
	}
	return newGCM(k.Raw)
}

func newGCM(raw []byte) (cipher.AEAD, error) {
	if len(raw) != DataKeySize {
		return nil, fmt.Errorf("subjectkeys: data key of %d bytes, want %d", len(raw), DataKeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Options tune a Keyring; zero values take the defaults noted.
type Options struct {
	// Previous KEKs still unwrap rows during a rotation (Rotate moves rows to the current
	// one); never used to wrap.
	Previous []*KEK
	// CacheTTL bounds how long an unwrapped key is kept in memory (default 5m; negative
	// disables the cache). A key deleted by another process stays usable here at most
	// this long; a key deleted through this Keyring is dropped at once (Erased).
	CacheTTL time.Duration
	// CacheSize bounds the cache's entries, keys and erasure marks together (default
	// 100000); the least recently used entry makes room. A key costs about 1 KiB with
	// its cipher.
	CacheSize int
}

// Keyring reads, creates and deletes data keys. It implements schemas.KeyProvider (the
// DataKey method) and schemas.CipherProvider (DataKeyCipher). Safe for concurrent use.
type Keyring struct {
	db      DB
	kek     *KEK
	keks    map[string]*KEK
	ttl     time.Duration
	max     int
	now     func() time.Time
	claimMu sync.Mutex
	claim   []byte

	mu    sync.Mutex
	cache map[uuid.UUID]*list.Element // of *entry
	lru   list.List                   // front: most recently used
	// erasures counts Erased calls. A read notes it before asking the database and
	// caches what it got only if no erasure happened since: the erasure mark that would
	// refuse a stale key may have been evicted meanwhile (CacheSize), the count cannot.
	erasures uint64
}

// entry is a cached key; erased entries (a nil key) never expire: a forgotten person's
// key never comes back, and subject ids are never reused. Evicting one is safe: the
// database keeps the tombstone.
type entry struct {
	subject uuid.UUID
	key     Key
	at      time.Time
}

// New returns a Keyring on db that wraps with kek.
func New(db DB, kek *KEK, opts Options) *Keyring {
	if opts.CacheTTL == 0 {
		opts.CacheTTL = 5 * time.Minute
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = 100_000
	}
	k := &Keyring{db: db, kek: kek, keks: map[string]*KEK{kek.ID(): kek}, ttl: opts.CacheTTL, max: opts.CacheSize,
		now: time.Now, cache: map[uuid.UUID]*list.Element{}}
	for _, p := range opts.Previous {
		k.keks[p.ID()] = p
	}
	return k
}

// CacheTTL is how long an unwrapped key may be kept (the data-key route's max_age_seconds).
func (k *Keyring) CacheTTL() time.Duration { return max(k.ttl, 0) }

// rowAAD is what a subject_keys row's wrapping is bound to: the subject and the key id,
// so a wrapped key copied to another row does not unwrap.
func rowAAD(subject uuid.UUID, keyID string) []byte {
	return appendRowAAD(make([]byte, 0, rowAADSize), subject, keyID)
}

const rowAADSize = len("subject_keys/") + 36 + 1 + 36

// appendRowAAD appends rowAAD to dst without allocating: a cold replay unwraps a key per
// person, and the strings rowAAD was built from were ≈ 8 % of Keys' CPU.
func appendRowAAD(dst []byte, subject uuid.UUID, keyID string) []byte {
	var text [36]byte
	hexUUID(text[:], subject)
	dst = append(dst, "subject_keys/"...)
	dst = append(dst, text[:]...)
	dst = append(dst, '/')
	for i := 0; i < len(keyID); i++ { // lower-cased, as uuid prints ids
		c := keyID[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// hexUUID writes u's canonical text (lower-case, hyphenated) to dst[:36], as
// uuid.UUID.String does, without the string.
func hexUUID(dst []byte, u uuid.UUID) {
	hex.Encode(dst[0:8], u[0:4])
	dst[8] = '-'
	hex.Encode(dst[9:13], u[4:6])
	dst[13] = '-'
	hex.Encode(dst[14:18], u[6:8])
	dst[18] = '-'
	hex.Encode(dst[19:23], u[8:10])
	dst[23] = '-'
	hex.Encode(dst[24:36], u[10:16])
}

// Create makes subject's data key and stores it wrapped, on db: the transaction of the
// subject's first event, so the key exists exactly when the events sealed with it do.
// A subject that already has a key gets ErrExists.
func (k *Keyring) Create(ctx context.Context, db DB, subject uuid.UUID) (Key, error) {
	key, err := Generate()
	if err != nil {
		return Key{}, err
	}
	return key, k.Insert(ctx, db, subject, key)
}

// Generate makes a new random data key, not stored yet: seal with it, then Insert it in
// the transaction of the events it sealed.
func Generate() (Key, error) {
	raw := make([]byte, DataKeySize)
	if _, err := rand.Read(raw); err != nil {
		return Key{}, err
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return Key{}, err
	}
	return Key{ID: id.String(), Raw: raw}, nil
}

// Insert stores key as subject's, wrapped, on db; ErrExists when the subject has (or
// had) one.
func (k *Keyring) Insert(ctx context.Context, db DB, subject uuid.UUID, key Key) error {
	wrapped, err := k.kek.wrap(key.Raw, rowAAD(subject, key.ID))
	if err != nil {
		return err
	}
	tag, err := db.Exec(ctx, `INSERT INTO subject_keys (subject_id, key_id, wrapped, kek_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (subject_id) DO NOTHING`, subject, key.ID, wrapped, k.kek.ID())
	if err != nil {
		return fmt.Errorf("subjectkeys: create %s: %w", subject, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: %s", ErrExists, subject)
	}
	return nil
}

// ErrExists: Create for a subject that has (or had, and was forgotten) a key.
var ErrExists = errors.New("subjectkeys: subject already has a key")

// Delete destroys subject's key on db (the transaction of UserForgotten): the row stays
// as a tombstone without the wrapped key, so readers can tell a forgotten person from a
// key not visible to them yet (see DataKey). A person written before events were sealed
// gets a tombstone too. Call Erased once that transaction committed.
func (k *Keyring) Delete(ctx context.Context, db DB, subject uuid.UUID) error {
	tombstoneID, err := uuid.NewRandom()
	if err != nil {
		return err
	}
	if _, err := db.Exec(ctx, `INSERT INTO subject_keys (subject_id, key_id, forgotten_at) VALUES ($1, $2, now())
		ON CONFLICT (subject_id) DO UPDATE SET wrapped = NULL, kek_id = NULL,
			forgotten_at = coalesce(subject_keys.forgotten_at, now())`, subject, tombstoneID); err != nil {
		return fmt.Errorf("subjectkeys: delete %s: %w", subject, err)
	}
	return nil
}

// Erased drops subject's key, and its cipher, from the cache for good; call it after the
// transaction that deleted the key committed. From its return on, no read through this
// keyring answers the key, including reads that were already under way.
func (k *Keyring) Erased(subject uuid.UUID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.erasures++
	k.mark(subject)
}

// mark records subject as forgotten (under mu).
func (k *Keyring) mark(subject uuid.UUID) {
	if k.ttl < 0 {
		return
	}
	k.store(&entry{subject: subject})
}

// State is what subject_keys says of a person.
type State int

const (
	// NoKey: no row. Either the person has no key (never had one, or was written before
	// events were sealed), or their key's transaction is not visible to this reader yet.
	NoKey State = iota
	// Live: the key exists.
	Live
	// Forgotten: the key was destroyed; only the tombstone is left.
	Forgotten
)

// Current returns subject's key; found is false when the subject has none (never had,
// or was forgotten).
func (k *Keyring) Current(ctx context.Context, subject uuid.UUID) (Key, bool, error) {
	key, st, err := k.Lookup(ctx, subject)
	return key, st == Live, err
}

// Lookup returns subject's key and what the table says of it. Keys and tombstones are
// cached; NoKey is not, since the row may become visible a moment later.
func (k *Keyring) Lookup(ctx context.Context, subject uuid.UUID) (Key, State, error) {
	return k.lookup(ctx, subject, true)
}

// LookupStored is Lookup that does not trust a cached key: it reads the row, so a person
// forgotten through another process is Forgotten at once, not after CacheTTL. For what
// hands the key out (command-api's data-key route), where a stale answer outlives the
// cache. What it reads is cached as Lookup's reads are; a tombstone already cached is
// believed (a key never comes back).
func (k *Keyring) LookupStored(ctx context.Context, subject uuid.UUID) (Key, State, error) {
	return k.lookup(ctx, subject, false)
}

func (k *Keyring) lookup(ctx context.Context, subject uuid.UUID, cachedKeys bool) (Key, State, error) {
	e, ok, gen := k.cached(subject)
	if ok {
		if e.key.Raw == nil {
			return Key{}, Forgotten, nil
		}
		if cachedKeys {
			return e.key, Live, nil
		}
	}
	var keyID uuid.UUID
	var wrapped []byte
	var kekID *string
	err := k.db.QueryRow(ctx, `SELECT key_id, wrapped, kek_id FROM subject_keys WHERE subject_id = $1`, subject).
		Scan(&keyID, &wrapped, &kekID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Key{}, NoKey, nil
	}
	if err != nil {
		return Key{}, NoKey, fmt.Errorf("subjectkeys: read %s: %w", subject, err)
	}
	if wrapped == nil || kekID == nil {
		k.Erased(subject) // a tombstone seen: reads under way must not re-cache the key
		return Key{}, Forgotten, nil
	}
	key, err := k.unwrap(subject, keyID.String(), wrapped, *kekID)
	if err != nil {
		return Key{}, NoKey, err
	}
	// A read that raced with this process's erasure of the subject answers the erasure:
	// forgetting wins over a row read just before it was destroyed.
	key, ok = k.put(subject, key, gen)
	if !ok {
		return Key{}, Forgotten, nil
	}
	return key, Live, nil
}

// NoteErasures reads which of subjects were forgotten (their rows are tombstones) and
// drops their keys from the cache, in one query: for readers that open many people's
// fields at once and must not answer from a cache another process's forget made stale
// (command-api's audit views). Live keys are left as cached.
func (k *Keyring) NoteErasures(ctx context.Context, subjects []uuid.UUID) error {
	if len(subjects) == 0 {
		return nil
	}
	ids := make([][16]byte, len(subjects))
	for i, s := range subjects {
		ids[i] = s
	}
	rows, err := k.db.Query(ctx, `SELECT subject_id FROM subject_keys WHERE subject_id = ANY($1) AND (wrapped IS NULL OR kek_id IS NULL)`, ids)
	if err != nil {
		return fmt.Errorf("subjectkeys: erasures: %w", err)
	}
	forgotten, err := pgx.CollectRows(rows, pgx.RowTo[pgtype.UUID])
	if err != nil {
		return fmt.Errorf("subjectkeys: erasures: %w", err)
	}
	for _, f := range forgotten {
		k.Erased(uuid.UUID(f.Bytes))
	}
	return nil
}

// ErrNotVisible: a sealed value names a key whose row this reader cannot see. Every
// sealed value's key commits with the first event sealed with it, so the row is only
// not visible yet (logical decoding can deliver a transaction before other sessions see
// it): a transient error, to be retried, never a reason to treat the person as forgotten.
var ErrNotVisible = errors.New("subjectkeys: the data key is not visible yet; retry")

// DataKey implements schemas.KeyProvider: the raw key keyID of subjectID, or nil (and no
// error) when the subject was forgotten. No row at all is ErrNotVisible (transient); a
// key id the subject never had is an error.
func (k *Keyring) DataKey(ctx context.Context, subjectID, keyID string) ([]byte, error) {
	key, live, err := k.named(ctx, subjectID, keyID)
	if !live {
		return nil, err
	}
	return key.Raw, nil
}

// DataKeyCipher implements schemas.CipherProvider: DataKey's answer as the key's
// AES-256-GCM, built once per cached key instead of once per event. A nil cipher (and
// no error) means the subject was forgotten, exactly when DataKey answers nil.
func (k *Keyring) DataKeyCipher(ctx context.Context, subjectID, keyID string) (cipher.AEAD, error) {
	key, live, err := k.named(ctx, subjectID, keyID)
	if !live {
		return nil, err
	}
	return key.Cipher()
}

// named is subjectID's key when it is keyID; live is false when the subject was
// forgotten (err nil) or on any error.
func (k *Keyring) named(ctx context.Context, subjectID, keyID string) (Key, bool, error) {
	subject, err := uuid.Parse(subjectID)
	if err != nil {
		return Key{}, false, fmt.Errorf("subjectkeys: subject %q: %w", subjectID, err)
	}
	key, st, err := k.Lookup(ctx, subject)
	switch {
	case err != nil || st == Forgotten:
		return Key{}, false, err
	case st == NoKey:
		return Key{}, false, fmt.Errorf("%w: %s key %s", ErrNotVisible, subject, keyID)
	case !strings.EqualFold(key.ID, keyID):
		return Key{}, false, fmt.Errorf("subjectkeys: %s has key %s, not %s", subject, key.ID, keyID)
	}
	return key, true, nil
}

// Keys answers for a batch of subjects at once (a projector batch): what the keyring
// knows of each, from its cache or from one query for the rest, which it caches too. A
// live subject maps to its key, cipher built (Key.Cipher costs nothing then); a
// forgotten one to a Key with a nil Raw; a subject without a visible row is absent and
// not cached (see ErrNotVisible). A projector batch keeps the map for its own events
// instead of asking the keyring again for each.
func (k *Keyring) Keys(ctx context.Context, subjects []uuid.UUID) (map[uuid.UUID]Key, error) {
	known, ids, gen := k.uncached(subjects)
	if len(ids) == 0 {
		return known, nil
	}
	// A prepared statement, so PostgreSQL may keep a generic plan: planning the query
	// with its ids on every run (as readmodel's Lock must, see TestLockIsPlannedWithItsIDs
	// there) cost more than the lookups themselves, about 6 µs of server CPU per person
	// in a cold replay (BenchmarkKeysCold: 7.9 against 1.8 µs, and 9.2 against 6.9 µs
	// here). Lock's trap is a generic plan made while its table looked empty, kept while
	// a rebuild fills the table faster than autovacuum analyzes it; subject_keys is never
	// emptied and grows by sign-ups, each ANALYZE replaces the plan with one for the
	// table's size then, and pooled connections (and their statements) are replaced
	// within the pool's MaxConnLifetime (an hour by default) anyway.
	rows, err := k.db.Query(ctx, `SELECT subject_id, key_id, wrapped, kek_id FROM subject_keys WHERE subject_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("subjectkeys: keys: %w", err)
	}
	defer rows.Close()
	var aad [rowAADSize]byte
	for rows.Next() {
		// pgtype.UUID takes the column's 16 bytes as they come; uuid.UUID is scanned
		// through database/sql's Scanner, from text it parses again.
		var subjectCol, keyCol pgtype.UUID
		var wrapped []byte
		var kekID *string
		if err := rows.Scan(&subjectCol, &keyCol, &wrapped, &kekID); err != nil {
			return nil, fmt.Errorf("subjectkeys: keys: %w", err)
		}
		subject := uuid.UUID(subjectCol.Bytes)
		if wrapped == nil || kekID == nil {
			k.Erased(subject)
			known[subject] = Key{}
			continue
		}
		keyID := uuid.UUID(keyCol.Bytes).String()
		key, err := k.unwrapAAD(subject, keyID, wrapped, *kekID, appendRowAAD(aad[:0], subject, keyID))
		if err != nil {
			return nil, err
		}
		if key, ok := k.put(subject, key, gen); ok {
			known[subject] = key
		} else {
			known[subject] = Key{} // erased by this process while the row was read
		}
	}
	// A subject without a row is not cached as forgotten: its key's transaction may
	// only not be visible here yet (see ErrNotVisible).
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("subjectkeys: keys: %w", err)
	}
	return known, nil
}

func (k *Keyring) unwrap(subject uuid.UUID, keyID string, wrapped []byte, kekID string) (Key, error) {
	return k.unwrapAAD(subject, keyID, wrapped, kekID, rowAAD(subject, keyID))
}

// unwrapAAD is unwrap with the row's AAD already built (Keys builds it in place).
func (k *Keyring) unwrapAAD(subject uuid.UUID, keyID string, wrapped []byte, kekID string, aad []byte) (Key, error) {
	kek, ok := k.keks[kekID]
	if !ok {
		return Key{}, fmt.Errorf("%w: key of %s is wrapped by KEK %s, which is not configured", ErrKEK, subject, kekID)
	}
	raw, err := kek.unwrap(wrapped, aad)
	if err != nil {
		return Key{}, err
	}
	return Key{ID: keyID, Raw: raw}, nil
}

// uncached sorts subjects, once each and under one lock (a batch names the same person
// many times), into what the cache knows of them and the ids to read ([16]byte, not
// uuid.UUID: pgx encodes such an array natively instead of through each element's
// driver.Valuer, a failed plan and an error per call, which cost more CPU than the rest
// of a replay's key reads); gen is the erasure count to hand to put.
func (k *Keyring) uncached(subjects []uuid.UUID) (known map[uuid.UUID]Key, ids [][16]byte, gen uint64) {
	now := k.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	known = make(map[uuid.UUID]Key, len(subjects))
	seen := make(map[uuid.UUID]bool, len(subjects))
	for _, s := range subjects {
		if seen[s] {
			continue
		}
		seen[s] = true
		if el, ok := k.cache[s]; ok && k.ttl >= 0 {
			if e := el.Value.(*entry); e.key.Raw == nil || now.Sub(e.at) <= k.ttl {
				k.lru.MoveToFront(el)
				known[s] = e.key
				continue
			}
			k.remove(el)
		}
		ids = append(ids, s)
	}
	return known, ids, k.erasures
}

// cached returns subject's entry, and the erasure count to hand to put after a read of
// the database.
func (k *Keyring) cached(subject uuid.UUID) (e entry, ok bool, gen uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	gen = k.erasures
	if k.ttl < 0 {
		return entry{}, false, gen
	}
	el, ok := k.cache[subject]
	if !ok {
		return entry{}, false, gen
	}
	e = *el.Value.(*entry)
	if e.key.Raw != nil && k.now().Sub(e.at) > k.ttl {
		k.remove(el)
		return entry{}, false, gen
	}
	k.lru.MoveToFront(el)
	return e, true, gen
}

// put caches a key read from the database when gen (cached's count) is still the
// erasure count, and the subject is not known erased: a reader racing with the delete
// must not bring it back. It reports whether the key may be used, and returns it with
// its cipher built (when the key is well formed).
func (k *Keyring) put(subject uuid.UUID, key Key, gen uint64) (Key, bool) {
	// The cipher is built outside the lock: other batches' readers need not wait for it.
	if aead, err := newGCM(key.Raw); err == nil {
		key.aead = aead
	} // else not cached; Cipher reports the error to whoever asks
	k.mu.Lock()
	defer k.mu.Unlock()
	if el, ok := k.cache[subject]; ok && el.Value.(*entry).key.Raw == nil {
		return Key{}, false
	}
	if k.erasures != gen {
		// An erasure happened while the row was read: not necessarily this subject's,
		// but its mark may be gone already. The key is answered (the read began before
		// the erasure, as a command landing before a forget) but not kept.
		return key, true
	}
	if k.ttl < 0 || key.aead == nil {
		return key, true
	}
	k.store(&entry{subject: subject, key: key, at: k.now()})
	return key, true
}

// store puts e at the front, replacing subject's entry, evicting the least recently
// used beyond max (under mu).
func (k *Keyring) store(e *entry) {
	if el, ok := k.cache[e.subject]; ok {
		el.Value = e
		k.lru.MoveToFront(el)
		return
	}
	k.cache[e.subject] = k.lru.PushFront(e)
	for len(k.cache) > k.max {
		k.remove(k.lru.Back())
	}
}

func (k *Keyring) remove(el *list.Element) {
	k.lru.Remove(el)
	delete(k.cache, el.Value.(*entry).subject)
}
