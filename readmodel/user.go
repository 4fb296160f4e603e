package readmodel

import (
	"errors"
	"strconv"
	"time"
)

// Sentinel errors; every error the Store returns for a caller's mistake or a
// missing row wraps one of them.
var (
	// ErrNotFound: no user with that id in the live read model (or a
	// malformed id, which can never exist).
	ErrNotFound = errors.New("readmodel: not found")
	// ErrInvalidArgument: a filter or page size out of range.
	ErrInvalidArgument = errors.New("readmodel: invalid argument")
	// ErrInvalidPageToken: a page token that is corrupt or was made for other
	// filters.
	ErrInvalidPageToken = errors.New("readmodel: invalid page token")
	// ErrNoLiveVersion: the projections table names no live users version yet
	// (the projector has never started).
	ErrNoLiveVersion = errors.New("readmodel: no live projection version")
	// ErrLagging: WaitForRevision's context ended before the row reached the
	// revision. The error also wraps the context's error.
	ErrLagging = errors.New("readmodel: projection lagging")
)

// NotifyChannel is the channel the projections notify on after applying a
// batch; the payload is the table name.
const NotifyChannel = "recall_readmodel"

// Projection is the projections-table name of the users projection.
const Projection = "users"

// UsersTable is the table of users projection version v: users_v<v>.
func UsersTable(v int) string { return "users_v" + strconv.Itoa(v) }

// User is one row of the users read model: the state after Revision events.
type User struct {
	ID        string
	Username  string
	Email     string
	FirstName string
	LastName  string
	Role      string // "admin" | "auditor" | "service" | "user"
	Status    string // "active" | "deleted"
	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt *time.Time // set while Status is "deleted"
	Revision  int64      // the stream revision this row reflects (the ETag)
}

// The statuses and roles a filter may name.
const (
	StatusActive  = "active"
	StatusDeleted = "deleted"
	// StatusForgotten: the person was forgotten. The row stays as a tombstone (id,
	// revision, times) so GET answers 410 forgotten; it holds no personal data, and
	// lists never show it.
	StatusForgotten = "forgotten"
	RoleAdmin       = "admin"
	RoleAuditor     = "auditor"
	RoleService     = "service"
	RoleUser        = "user"
)

// isUUID reports the canonical 8-4-4-4-12 hex form; anything else cannot be an
// id, and checking here keeps a cast error out of PostgreSQL.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
