package rebuild

import (
	"errors"
	"testing"
)

// Issue 12, Low: Drop only drops the table the projection version created; a tampered
// projections row naming events (or anything else) is refused before anything changes.
func TestDroppableOnlyTheVersionsOwnTable(t *testing.T) {
	if err := droppable("users", 2, "users_v2"); err != nil {
		t.Fatalf("users_v2: %v", err)
	}
	for _, table := range []string{"events", "credentials", "users_v1", "users_v2; DROP TABLE events", "Users_v2", "users_v2x", ""} {
		if err := droppable("users", 2, table); !errors.Is(err, ErrNotProjectionTable) {
			t.Errorf("%q: %v, want ErrNotProjectionTable", table, err)
		}
	}
	if err := droppable("Users", 2, "Users_v2"); !errors.Is(err, ErrNotProjectionTable) {
		t.Errorf("mixed-case name accepted: %v", err)
	}
}
