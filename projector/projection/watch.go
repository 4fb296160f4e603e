package projection

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// watcher is the group as an outside observer sees it: per partition, the
// committed offset, the end offset and when the commit last moved.
type watcher struct {
	mu       sync.Mutex
	progress map[int32]progress
}

type progress struct {
	commit int64     // committed offset last seen
	since  time.Time // when commit last moved, or the partition last had no lag
	lag    int64
}

// observe records one partition's committed and end offsets at now and
// returns its lag and for how long it has lagged without committed progress.
func (w *watcher) observe(p int32, commit, end int64, now time.Time) (lag int64, stalled time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	lag = max(end-commit, 0)
	old, seen := w.progress[p]
	pr := progress{commit: commit, since: old.since, lag: lag}
	if !seen || commit != old.commit || lag == 0 {
		pr.since = now
	}
	w.progress[p] = pr
	return lag, now.Sub(pr.since)
}

// stalled lists the partitions lagging without committed progress for at
// least after, as of now.
func (w *watcher) stalled(after time.Duration, now time.Time) []int32 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []int32
	for p, pr := range w.progress {
		if pr.lag > 0 && now.Sub(pr.since) >= after {
			out = append(out, p)
		}
	}
	return out
}

// Stalled lists the partitions of the topic that have lagged without any
// committed progress for StallAfter or longer, whoever holds them: a member
// that died without leaving, a partition no live process consumes, a gap that
// does not close. It is empty until the group has been watched once.
func (r *Runner) Stalled() []int32 {
	return r.watch.stalled(r.cfg.StallAfter, time.Now())
}

// watchGroup compares the group's committed offsets with the topic's end
// offsets every WatchInterval, for every partition of the topic (assigned to
// this member, to another, or to nobody), and publishes the lag and the time
// without committed progress. This, not the consumer's own fetch position, is
// what recall_projector_consumer_lag reports: a partition held by a dead
// member never reaches this consumer, yet its lag must show.
func (r *Runner) watchGroup(ctx context.Context, cl *kgo.Client) {
	adm := kadm.NewClient(cl)
	t := time.NewTicker(r.cfg.WatchInterval)
	defer t.Stop()
	for {
		if err := r.watchOnce(ctx, adm); err != nil && ctx.Err() == nil {
			r.log.Warn("computing group lag", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Runner) watchOnce(ctx context.Context, adm *kadm.Client) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.WatchInterval)
	defer cancel()
	commits, err := adm.FetchOffsets(ctx, r.cfg.Group)
	if err != nil {
		return err
	}
	starts, err := adm.ListStartOffsets(ctx, r.cfg.Topic)
	if err != nil {
		return err
	}
	ends, err := adm.ListEndOffsets(ctx, r.cfg.Topic)
	if err != nil {
		return err
	}
	now := time.Now()
	var errs []error
	ends.Each(func(end kadm.ListedOffset) {
		if end.Err != nil {
			errs = append(errs, end.Err)
			return
		}
		// Nothing committed yet: the group starts at the log start.
		from := int64(0)
		if s, ok := starts.Lookup(end.Topic, end.Partition); ok && s.Err == nil {
			from = s.Offset
		}
		if c, ok := commits.Lookup(end.Topic, end.Partition); ok && c.Err == nil && c.At >= 0 {
			from = max(from, c.At)
		}
		lag, stalled := r.watch.observe(end.Partition, from, end.Offset, now)
		part := partLabel(end.Partition)
		r.cfg.Metrics.Lag.WithLabelValues(r.cfg.Name, r.cfg.Topic, part).Set(float64(lag))
		r.cfg.Metrics.Stalled.WithLabelValues(r.cfg.Name, r.cfg.Topic, part).Set(stalled.Seconds())
	})
	return errors.Join(errs...)
}

// assigned marks the partitions this member now holds.
func (r *Runner) assigned(_ context.Context, _ *kgo.Client, got map[string][]int32) {
	for _, p := range got[r.cfg.Topic] {
		r.cfg.Metrics.Assigned.WithLabelValues(r.cfg.Name, r.cfg.Topic, partLabel(p)).Set(1)
	}
}

// leave takes a static member out of its group on a clean stop, so its
// partitions move to the other members now rather than after the session
// timeout (franz-go's Close does not leave with an InstanceID, by design: the
// same id coming back would take them again without a rebalance). A crash
// never gets here; a restart with the same id reclaims the partitions at once.
func (r *Runner) leave(cl *kgo.Client) {
	if r.cfg.InstanceID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = r.cfg.Group
	m := kmsg.NewLeaveGroupRequestMember()
	m.InstanceID = &r.cfg.InstanceID
	reason := "shutting down"
	m.Reason = &reason
	req.Members = append(req.Members, m)
	resp, err := req.RequestWith(ctx, cl)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
		for _, m := range resp.Members {
			err = errors.Join(err, kerr.ErrorForCode(m.ErrorCode))
		}
	}
	if err != nil {
		r.log.Warn("leaving the group as a static member", "instance_id", r.cfg.InstanceID, "err", err)
	}
}

// Name is the projection label the Runner was configured with.
func (r *Runner) Name() string { return r.cfg.Name }
