package subjectkeys

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
)

// These tests drive the cache without a database: a Keyring on a nil DB panics if it
// asks the database, so every answer below provably came from the cache (or from
// nowhere).

func cacheKeyring(t *testing.T, size int) *Keyring {
	t.Helper()
	kek, err := NewKEK(bytes.Repeat([]byte{9}, KEKSize))
	if err != nil {
		t.Fatal(err)
	}
	return New(nil, kek, Options{CacheSize: size})
}

func testDataKey(t *testing.T) Key {
	t.Helper()
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// load caches key for subject as a read of the database would.
func load(t *testing.T, k *Keyring, subject uuid.UUID, key Key) {
	t.Helper()
	_, _, gen := k.cached(subject)
	if _, ok := k.put(subject, key, gen); !ok {
		t.Fatalf("put refused %s", subject)
	}
}

func (k *Keyring) cacheLen() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lru.Len() != len(k.cache) {
		panic("LRU list and index disagree")
	}
	return len(k.cache)
}

func TestCacheHoldsTheCipherAndIsBoundedLeastRecentlyUsedFirst(t *testing.T) {
	ctx := context.Background()
	k := cacheKeyring(t, 3)
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New(), uuid.New()}
	keys := make([]Key, len(ids))
	for i := range 3 {
		keys[i] = testDataKey(t)
		load(t, k, ids[i], keys[i])
	}
	// The cipher is built once and handed out as is: no key expansion per event.
	a, err := k.DataKeyCipher(ctx, ids[0].String(), keys[0].ID)
	if err != nil || a == nil {
		t.Fatalf("DataKeyCipher = %v, %v", a, err)
	}
	if b, _ := k.DataKeyCipher(ctx, ids[0].String(), keys[0].ID); b != a {
		t.Fatal("the cached cipher was rebuilt")
	}
	// ids[0] was just used, ids[1] is the least recently used: the fourth key evicts it.
	keys[3] = testDataKey(t)
	load(t, k, ids[3], keys[3])
	if n := k.cacheLen(); n != 3 {
		t.Fatalf("cache holds %d entries, cap 3", n)
	}
	if _, ok, _ := k.cached(ids[1]); ok {
		t.Fatal("the least recently used key was not evicted")
	}
	for _, i := range []int{0, 2, 3} {
		if e, ok, _ := k.cached(ids[i]); !ok || !bytes.Equal(e.key.Raw, keys[i].Raw) {
			t.Fatalf("key %d evicted or wrong", i)
		}
	}
	// A key id the subject does not have is an error, not the cached key.
	if _, err := k.DataKeyCipher(ctx, ids[0].String(), uuid.NewString()); err == nil {
		t.Fatal("a foreign key id was answered with the cached cipher")
	}
}

func TestErasedWinsOverTheCache(t *testing.T) {
	ctx := context.Background()
	k := cacheKeyring(t, 10)
	s, key := uuid.New(), testDataKey(t)
	load(t, k, s, key)
	if a, _ := k.DataKeyCipher(ctx, s.String(), key.ID); a == nil {
		t.Fatal("cached key not answered")
	}
	k.Erased(s)
	if a, err := k.DataKeyCipher(ctx, s.String(), key.ID); a != nil || err != nil {
		t.Fatalf("after Erased the cipher is %v, %v; want nil, nil", a, err)
	}
	if raw, err := k.DataKey(ctx, s.String(), key.ID); raw != nil || err != nil {
		t.Fatalf("after Erased the key is %x, %v", raw, err)
	}
	// A read of the row that began before the erasure (it got the row, the delete
	// committed, Erased ran) neither answers nor re-caches the key.
	if _, ok := k.put(s, key, k.erasures); ok {
		t.Fatal("a racing read brought an erased key back")
	}
	if _, found, _ := k.Current(ctx, s); found {
		t.Fatal("the erased key is cached again")
	}
}

func TestARaceWithAnEvictedErasureMarkCachesNothing(t *testing.T) {
	k := cacheKeyring(t, 1)
	s, key := uuid.New(), testDataKey(t)
	_, _, gen := k.cached(s) // a read of s's row begins
	k.Erased(s)              // s is forgotten meanwhile...
	load(t, k, uuid.New(), testDataKey(t))
	if _, ok, _ := k.cached(s); ok {
		t.Fatal("setup: the erasure mark should have been evicted (cap 1)")
	}
	// ...and its mark is gone: the erasure count still keeps the stale key out.
	k.put(s, key, gen)
	if _, ok, _ := k.cached(s); ok {
		t.Fatal("a key read before an erasure was cached after it")
	}
	// Without an erasure in between, a read is cached.
	load(t, k, s, key)
	if e, ok, _ := k.cached(s); !ok || e.key.aead == nil {
		t.Fatal("an ordinary read was not cached with its cipher")
	}
}

func TestCachedKeysExpireButErasureMarksDoNot(t *testing.T) {
	k := cacheKeyring(t, 10)
	now := time.Unix(1_000_000, 0)
	k.now = func() time.Time { return now }
	live, gone := uuid.New(), uuid.New()
	load(t, k, live, testDataKey(t))
	k.Erased(gone)
	now = now.Add(k.ttl + time.Second)
	if _, ok, _ := k.cached(live); ok {
		t.Fatal("a key outlived CacheTTL")
	}
	if k.cacheLen() != 1 {
		t.Fatalf("the expired key still takes room: %d entries", k.cacheLen())
	}
	if e, ok, _ := k.cached(gone); !ok || e.key.Raw != nil {
		t.Fatal("an erasure mark expired")
	}
}

func TestNoCacheMeansNoCipherKept(t *testing.T) {
	kek, _ := NewKEK(bytes.Repeat([]byte{9}, KEKSize))
	k := New(nil, kek, Options{CacheTTL: -1})
	s, key := uuid.New(), testDataKey(t)
	load(t, k, s, key)
	k.Erased(s)
	if n := k.cacheLen(); n != 0 {
		t.Fatalf("a keyring without cache holds %d entries", n)
	}
}
