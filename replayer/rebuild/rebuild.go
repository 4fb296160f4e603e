package rebuild

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/readmodel/versions"
	"github.com/recall-events/recall/replayer/offsets"
)

var (
	// ErrUnknownProjection: the replayer knows no projection of that name.
	ErrUnknownProjection = errors.New("rebuild: unknown projection")
	// ErrLagging: the version is too far behind to promote without --force.
	ErrLagging = errors.New("rebuild: version still lagging")
	// ErrDeadLetters: the version has open dead letters, so it lacks what they hold;
	// promoting it needs --force.
	ErrDeadLetters = errors.New("rebuild: version has open dead letters")
	// ErrState: the version is not in a state that allows the operation.
	ErrState = errors.New("rebuild: wrong state")
)

// projection is what the replayer must know of a projection to rebuild it. Its topic is
// not here: each version row records the topic its projector consumes (prefixes differ
// between deployments), and a new version reads the same topic as the newest one.
type projection struct {
	supported func(int) bool
	setup     func(context.Context, *pgxpool.Pool, int) error
	tables    func(int) []string
}

var known = map[string]projection{
	"users": {
		supported: readmodel.UsersSupported,
		setup:     readmodel.SetupUsers,
		tables:    func(v int) []string { return []string{readmodel.UsersTable(v)} },
	},
}

func lookup(name string) (projection, error) {
	p, ok := known[name]
	if !ok {
		return projection{}, fmt.Errorf("%w %q (known: users)", ErrUnknownProjection, name)
	}
	return p, nil
}

// Manager runs lifecycle operations on the projections table and Kafka.
type Manager struct {
	pool  *pgxpool.Pool
	admin *offsets.Admin
	adm   *kadm.Client
}

// New returns a Manager on the read-model database and the cluster.
func New(pool *pgxpool.Pool, adm *kadm.Client) *Manager {
	return &Manager{pool: pool, admin: offsets.NewAdmin(adm), adm: adm}
}

// VersionStatus is one version with where its consumer group stands.
type VersionStatus struct {
	versions.Version
	Lag     int64    `json:"lag"`     // -1: unknown (no offsets yet)
	Members []string `json:"members"` // projector instances consuming it
}

// Status lists every version of name with its lag.
func (m *Manager) Status(ctx context.Context, name string) ([]VersionStatus, error) {
	if _, err := lookup(name); err != nil {
		return nil, err
	}
	vs, err := versions.List(ctx, m.pool, name)
	if err != nil {
		return nil, err
	}
	out := make([]VersionStatus, len(vs))
	for i, v := range vs {
		out[i] = VersionStatus{Version: v, Lag: -1}
		if v.DroppedAt != nil {
			continue
		}
		d, err := m.admin.Describe(ctx, v.ConsumerGroup, offsets.Topics{v.Topic: nil})
		if err != nil {
			return nil, err
		}
		out[i].Members = d.Members
		if hasCommitted(d) {
			out[i].Lag = d.TotalLag
		}
	}
	return out, nil
}

func hasCommitted(d *offsets.Description) bool {
	for _, p := range d.Partitions {
		if p.Committed >= 0 {
			return true
		}
	}
	return false
}

// Start creates the next version of name in state building, with its tables. The
// running projector picks it up and consumes the topic from offset zero into it.
func (m *Manager) Start(ctx context.Context, name string) (versions.Version, error) {
	p, err := lookup(name)
	if err != nil {
		return versions.Version{}, err
	}
	vs, err := versions.List(ctx, m.pool, name)
	if err != nil {
		return versions.Version{}, err
	}
	if len(vs) == 0 {
		return versions.Version{}, fmt.Errorf("%w: %s has no version yet: start the projector, which creates v1", ErrState, name)
	}
	next, topic := 1, vs[0].Topic
	for _, v := range vs {
		if v.State == versions.Building && v.DroppedAt == nil {
			return versions.Version{}, fmt.Errorf("%w: %s v%d is already building; promote or drop it first", ErrState, name, v.Version)
		}
		if v.Version >= next {
			next, topic = v.Version+1, v.Topic
		}
	}
	if !p.supported(next) {
		return versions.Version{}, fmt.Errorf("%w: %s v%d: this build of the projector knows no such version (deploy the projector with the new version's code first)", ErrState, name, next)
	}
	if err := p.setup(ctx, m.pool, next); err != nil {
		return versions.Version{}, err
	}
	v := versions.For(name, next, topic, p.tables(next)...)
	if err := versions.Ensure(ctx, m.pool, v); err != nil {
		return versions.Version{}, err
	}
	return versions.Get(ctx, m.pool, name, next)
}

// Promote makes version live when its lag is at most maxLag (any lag with force). The
// query side switches atomically: readers see the old or the new version, never none.
func (m *Manager) Promote(ctx context.Context, name string, version int, maxLag int64, force bool) (VersionStatus, error) {
	st, err := m.one(ctx, name, version)
	if err != nil {
		return st, err
	}
	if st.DroppedAt != nil || st.State == versions.Live {
		return st, fmt.Errorf("%w: %s v%d is %s", ErrState, name, version, describeState(st.Version))
	}
	if !force && (st.Lag < 0 || st.Lag > maxLag) {
		return st, fmt.Errorf("%w: %s v%d has lag %d (max %d); wait, or --force", ErrLagging, name, version, st.Lag, maxLag)
	}
	// Lag alone says nothing of what the version left out: a record it could not apply
	// went to its DLQ and its offset was committed, so a version with a bug that
	// dead-letters thousands of records catches up all the same.
	counts, err := readmodel.OpenDeadLetterCounts(ctx, m.pool)
	if err != nil {
		return st, err
	}
	projection, open := fmt.Sprintf("%s.v%d", name, version), 0
	for k, n := range counts { // by projection and error kind
		if k[0] == projection {
			open += n
		}
	}
	if !force && open > 0 {
		return st, fmt.Errorf("%w: %s v%d has %d open dead letter(s) (replayer dlq list --projection %s): retry or discard them, or --force",
			ErrDeadLetters, name, version, open, projection)
	}
	return st, versions.Promote(ctx, m.pool, name, version)
}

// Drop retires version (if it is not live), drops its tables and deletes its consumer
// group. It refuses the live version: promote another one first.
func (m *Manager) Drop(ctx context.Context, name string, version int, wait time.Duration) (VersionStatus, error) {
	st, err := m.one(ctx, name, version)
	if err != nil {
		return st, err
	}
	if st.State == versions.Live {
		return st, fmt.Errorf("%w: %s v%d is live; promote another version first", ErrState, name, version)
	}
	for _, t := range st.Tables {
		if err := droppable(name, version, t); err != nil {
			return st, err
		}
	}
	if err := versions.Retire(ctx, m.pool, name, version); err != nil {
		return st, err
	}
	// The projector stops consuming a retired version within its reconcile interval;
	// deleting the group before that would be refused (it has members).
	if err := m.deleteGroup(ctx, st.ConsumerGroup, wait); err != nil {
		return st, err
	}
	err = pgx.BeginFunc(ctx, m.pool, func(tx pgx.Tx) error {
		for _, t := range st.Tables {
			if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{t}.Sanitize()); err != nil {
				return fmt.Errorf("rebuild: drop %s: %w", t, err)
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	return st, versions.MarkDropped(ctx, m.pool, name, version)
}

func (m *Manager) deleteGroup(ctx context.Context, group string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		state, members, err := m.admin.GroupState(ctx, group)
		if err != nil {
			return err
		}
		if len(members) == 0 {
			if state == "Dead" {
				return nil
			}
			if _, err := m.adm.DeleteGroup(ctx, group); err != nil {
				return fmt.Errorf("rebuild: delete group %s: %w", group, err)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return &offsets.ActiveError{Group: group, State: state, Members: members}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (m *Manager) one(ctx context.Context, name string, version int) (VersionStatus, error) {
	all, err := m.Status(ctx, name)
	if err != nil {
		return VersionStatus{}, err
	}
	for _, st := range all {
		if st.Version.Version == version {
			return st, nil
		}
	}
	return VersionStatus{}, fmt.Errorf("%w: %s v%d", versions.ErrNotFound, name, version)
}

func describeState(v versions.Version) string {
	if v.DroppedAt != nil {
		return "dropped"
	}
	return string(v.State)
}

// ErrNotProjectionTable: the projections table names a table that this version of the
// projection did not create (a tampered row could name events: DROP bypasses its
// immutability trigger). Nothing is dropped.
var ErrNotProjectionTable = errors.New("rebuild: not a table of this projection version")

// droppable accepts only the table a projection version creates: <name>_v<version>
// (users_v2), a plain lower-case identifier.
func droppable(name string, version int, table string) error {
	want := fmt.Sprintf("%s_v%d", name, version)
	if table != want || !projectionTable.MatchString(table) {
		return fmt.Errorf("%w: %s v%d lists %q, want %q", ErrNotProjectionTable, name, version, table, want)
	}
	return nil
}

var projectionTable = regexp.MustCompile(`^[a-z][a-z0-9_]*_v[1-9][0-9]*$`)
