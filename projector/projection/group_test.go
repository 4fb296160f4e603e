package projection_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/recall-events/recall/projector/internal/stacktest"
	"github.com/recall-events/recall/schemas"
)

// history makes users×(create + 3 changes) events, per user in order.
func history(users int) (ids []string, byUser [][]schemas.Event) {
	for i := range users {
		id := stacktest.NewID()
		name := fmt.Sprintf("user%04d", i)
		ids = append(ids, id)
		byUser = append(byUser, []schemas.Event{
			stacktest.Created(id, name, name+"@example.com", "F"+name, "L"+name, "user"),
			stacktest.Updated(id, 2, stacktest.Ptr("G"+name), nil, nil),
			stacktest.RoleChanged(id, 3, "admin", "user"),
			stacktest.PasswordChanged(id, 4),
		})
	}
	return ids, byUser
}

func TestTwoInstancesShareTheGroup(t *testing.T) {
	t.Parallel()
	const partitions, nUsers = 6, 120
	shared := setup(t, partitions)
	_, byUser := history(nUsers)
	for i, evs := range byUser {
		shared.send(t, int32(i%partitions), evs[:2]...)
	}
	cfg := shared.usersConfig(t, 1)
	a, _ := start(t, cfg)
	b, _ := start(t, cfg)
	eventually(t, 20*time.Second, "both joined", func() bool { return a.Ready() && b.Ready() })
	for i, evs := range byUser {
		shared.send(t, int32(i%partitions), evs[2:]...)
	}
	eventually(t, 30*time.Second, "all users at revision 4", func() bool {
		var n int
		_ = shared.pool.QueryRow(context.Background(), `SELECT count(*) FROM users_v1 WHERE revision = 4`).Scan(&n)
		return n == nUsers
	})
	got := shared.snapshot(t, "users_v1")

	// Both members hold partitions.
	dg, err := kadm.NewClient(shared.Client(t)).DescribeGroups(context.Background(), cfg.Group)
	if err != nil {
		t.Fatal(err)
	}
	members := dg[cfg.Group].Members
	if len(members) != 2 {
		t.Fatalf("group has %d members, want 2", len(members))
	}
	for _, m := range members {
		ca, _ := m.Assigned.AsConsumer()
		if ca == nil || len(ca.Topics) == 0 || len(ca.Topics[0].Partitions) == 0 {
			t.Errorf("member %s has no partitions: %+v", m.MemberID, ca)
		}
	}
	// The same records into a fresh database with one instance give the same rows.
	single := setup(t, partitions)
	for i, evs := range byUser {
		single.send(t, int32(i%partitions), evs...)
	}
	start(t, single.usersConfig(t, 1))
	eventually(t, 30*time.Second, "single instance caught up", func() bool {
		var n int
		_ = single.pool.QueryRow(context.Background(), `SELECT count(*) FROM users_v1 WHERE revision = 4`).Scan(&n)
		return n == nUsers
	})
	want := single.snapshot(t, "users_v1")
	// Timestamps come from the events (recorded_at), which both runs share.
	if !slices.Equal(got, want) {
		t.Fatalf("two-instance read model differs from a single instance's:\n%v\n%v", got[:2], want[:2])
	}
}
