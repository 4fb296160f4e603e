package projection_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/projector/internal/stacktest"
)

// A member that holds partitions and never commits (a hung or half-dead process) stalls
// them: the lag computed from the group's committed offsets shows it, the stall timer
// grows and Stalled names the partitions, while the runner itself stays healthy. Before
// the lag came from the consumer's own fetches, the stuck partitions read 0.
func TestStallOfAnotherMemberIsVisible(t *testing.T) {
	t.Parallel()
	const partitions = 4
	b := setup(t, partitions)
	cfg := b.usersConfig(t, 1)
	cfg.WatchInterval, cfg.StallAfter = 200*time.Millisecond, 2*time.Second
	r, _ := start(t, cfg)
	eventually(t, 20*time.Second, "runner joined", r.Ready)

	// The squatter joins the same group with a long session and never polls: it is
	// assigned partitions and commits nothing.
	squat := b.Client(t, kgo.ConsumerGroup(cfg.Group), kgo.ConsumeTopics(cfg.Topic),
		kgo.Balancers(kgo.CooperativeStickyBalancer()), kgo.DisableAutoCommit(),
		kgo.SessionTimeout(time.Minute), kgo.BlockRebalanceOnPoll())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go squat.PollFetches(ctx) // joins; the records it gets are never processed
	eventually(t, 20*time.Second, "the runner holds fewer than all partitions", func() bool {
		return testutil.CollectAndCount(b.metrics.Assigned) < partitions
	})
	for p := range int32(partitions) {
		b.send(t, p, stacktest.Created(stacktest.NewID(), "stall"+string(rune('a'+p)), "s"+string(rune('a'+p))+"@example.com", "F", "L", "user"))
	}
	eventually(t, 20*time.Second, "a stalled partition", func() bool { return len(r.Stalled()) > 0 })
	stalled := r.Stalled()
	for _, p := range stalled {
		lag := testutil.ToFloat64(b.metrics.Lag.WithLabelValues(cfg.Name, cfg.Topic, itoa(p)))
		if lag != 1 {
			t.Errorf("partition %d: lag %v, want 1", p, lag)
		}
		// The gauge is as of the last watch (a watch can run late on a busy machine), so it
		// reaches StallAfter at the next watch or soon after, not necessarily by now.
		eventually(t, 10*time.Second, "the stall gauge reaches StallAfter", func() bool {
			return testutil.ToFloat64(b.metrics.Stalled.WithLabelValues(cfg.Name, cfg.Topic, itoa(p))) >= cfg.StallAfter.Seconds()
		})
	}
	if len(stalled) == partitions {
		t.Errorf("every partition stalled: the runner's own should have progressed")
	}
	// The squatter goes: the runner takes its partitions and the stall clears.
	cancel()
	squat.CloseAllowingRebalance()
	eventually(t, 30*time.Second, "no stalled partition", func() bool { return len(r.Stalled()) == 0 })
}

func itoa(p int32) string { return string(rune('0' + p)) }
