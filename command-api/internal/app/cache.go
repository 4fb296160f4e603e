package app

import (
	"sync"

	"github.com/google/uuid"

	"github.com/recall-events/recall/command-api/internal/user"
)

// stateCache remembers the last loaded state of recently used users, so a command loads
// only the events after it (one query, usually empty) instead of a snapshot and then the
// events. It can never be stale in a harmful way: streams are append-only, and every load
// still reads whatever was appended after the cached revision, by any process.
type stateCache struct {
	mu  sync.Mutex
	m   map[uuid.UUID]user.State
	max int
}

func newStateCache(max int) *stateCache {
	return &stateCache{m: make(map[uuid.UUID]user.State, max), max: max}
}

func (c *stateCache) get(id uuid.UUID) (user.State, bool) {
	if c == nil {
		return user.State{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[id]
	return s, ok
}

// put keeps s unless the cache holds a newer state of that user; when full it drops an
// arbitrary entry (map order), which is cheap and good enough for a cache of hot users.
func (c *stateCache) put(s user.State) {
	if c == nil || !s.Compatible() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[s.ID]; ok && old.Revision >= s.Revision {
		return
	}
	if len(c.m) >= c.max {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[s.ID] = s
}
