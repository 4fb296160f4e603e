package republish

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/relay/commits"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/schemas"
)

// ErrUnpublished: the range holds events without a recorded commit LSN, and the
// request does not allow them.
var ErrUnpublished = errors.New("republish: events the relay has not published")

// Progress is reported after every batch.
type Progress struct {
	Job      string        `json:"job"`
	Events   int64         `json:"events"` // published by this run
	Planned  int64         `json:"planned"`
	Total    int64         `json:"total"`    // by every run of the job
	Position int64         `json:"position"` // the last position acked
	Elapsed  time.Duration `json:"elapsed"`
	Finished bool          `json:"finished"`
}

// Rate is events per second of this run.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Events) / p.Elapsed.Seconds()
}

// Execute publishes plan's events, batch by batch in global_position order, saving the
// job's progress once a batch is acked; report (optional) hears of each batch. When ctx
// ends it stops between events, waits for what it produced, saves that, and returns
// ctx's error: --resume then repeats nothing. After a failure the unsaved batch is sent
// again on resume (at-least-once, as the relay; consumers dedupe by ce_id).
func (r *Republisher) Execute(ctx context.Context, plan *Plan, report func(Progress)) (Progress, error) {
	pr := Progress{Job: plan.Job, Planned: plan.Events, Total: plan.Done, Position: plan.Start - 1, Finished: plan.Finished}
	if plan.Finished {
		return pr, nil
	}
	if plan.Unmapped > 0 && !plan.AllowUnpublished {
		why := "wait until the relay has published them"
		if plan.NoCommitsTable {
			why = "relay_commits does not exist: the relay predates it or never ran on this database"
		}
		return pr, fmt.Errorf("%w: %d event(s), the first at position %d, have no recorded commit LSN (%s); pass --allow-unpublished to stamp them with the current WAL position",
			ErrUnpublished, plan.Unmapped, plan.FirstUnmapped, why)
	}
	lock, err := r.lockJob(ctx, plan.Job)
	if err != nil {
		return pr, err
	}
	defer lock.release(ctx)
	if !plan.Resumed {
		if err := lock.start(ctx, plan); err != nil {
			return pr, err
		}
	}
	b, err := r.builder(ctx, plan)
	if err != nil {
		return pr, err
	}
	if err := r.createTopics(ctx, plan); err != nil {
		return pr, err
	}
	run := &run{r: r, plan: plan, b: b, lock: lock, pr: pr, began: time.Now(), report: report}
	err = run.loop(ctx)
	return run.pr, err
}

// builder registers the schemas of every source topic (idempotent: the relay's ids come
// back) and of the target topics, as the relay does for its own.
func (r *Republisher) builder(ctx context.Context, plan *Plan) (*record.Builder, error) {
	var regs []schemas.Registered
	seen := map[string]bool{}
	for _, t := range plan.Topics {
		for _, topic := range []string{t.Source, t.Target} {
			if seen[topic] {
				continue
			}
			seen[topic] = true
			reg, err := schemas.Register(ctx, r.sr, topic)
			if err != nil {
				return nil, fmt.Errorf("republish: %w", err)
			}
			if topic == t.Source {
				regs = append(regs, reg)
			}
		}
	}
	return record.NewBuilder(record.Options{TopicPrefix: r.cfg.TopicPrefix, Source: r.cfg.Source, Signer: r.cfg.Signer}, regs...), nil
}

func (r *Republisher) createTopics(ctx context.Context, plan *Plan) error {
	var errs []error
	for _, t := range plan.Topics {
		if !t.Create {
			continue
		}
		res, err := r.adm.CreateTopic(ctx, t.Partitions, -1, map[string]*string{"retention.ms": kadm.StringPtr("-1")}, t.Target)
		if err == nil {
			err = res.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("republish: create topic %s: %w", t.Target, err))
		}
	}
	return errors.Join(errs...)
}

// run is one Execute.
type run struct {
	r      *Republisher
	plan   *Plan
	b      *record.Builder
	lock   *jobLock
	pr     Progress
	began  time.Time
	report func(Progress)

	mu     sync.Mutex
	failed error // the first produce error of the batch
}

func (x *run) loop(ctx context.Context) error {
	pos := x.plan.Start
	for pos <= x.plan.To {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		evs, err := x.r.store.ReadAll(ctx, pos, x.plan.Batch)
		if err != nil {
			return fmt.Errorf("republish: %w", err)
		}
		for len(evs) > 0 && evs[len(evs)-1].GlobalPosition > x.plan.To {
			evs = evs[:len(evs)-1]
		}
		if len(evs) == 0 {
			break
		}
		last, err := x.batch(ctx, evs)
		if err != nil {
			return err
		}
		pos = last + 1
	}
	return x.save(ctx, x.plan.To, 0) // positions past the last event: the job is done
}

// batch publishes evs (or, when ctx ends, a prefix of them), waits for Kafka's acks,
// saves the progress and returns the last position done.
func (x *run) batch(ctx context.Context, evs []eventstore.Event) (int64, error) {
	lsns, err := x.lsns(ctx, evs[0].GlobalPosition, evs[len(evs)-1].GlobalPosition)
	if err != nil {
		return 0, err
	}
	// Records must outlive a cancelled ctx: an interruption waits for their acks.
	pctx := context.WithoutCancel(ctx)
	var n int64
	last := evs[0].GlobalPosition - 1
	for _, ev := range evs {
		if ctx.Err() != nil {
			break
		}
		if x.plan.AggregateType == "" || ev.AggregateType == x.plan.AggregateType {
			rec, err := x.record(ev, lsns)
			if err != nil {
				return 0, err
			}
			x.r.cl.Produce(pctx, rec, x.acked)
			n++
		}
		last = ev.GlobalPosition
	}
	if err := x.flush(pctx); err != nil {
		return 0, err
	}
	if err := x.save(ctx, last, n); err != nil {
		return 0, err
	}
	return last, ctx.Err()
}

func (x *run) lsns(ctx context.Context, from, to int64) (map[int64]pglogrepl.LSN, error) {
	if x.plan.NoCommitsTable {
		return nil, nil
	}
	lsns, err := commits.LSNs(ctx, x.r.pool, from, to)
	if err != nil {
		return nil, fmt.Errorf("republish: %w", err)
	}
	return lsns, nil
}

func (x *run) record(ev eventstore.Event, lsns map[int64]pglogrepl.LSN) (*kgo.Record, error) {
	lsn := x.plan.WALPosition
	if l, ok := lsns[ev.GlobalPosition]; ok {
		lsn = l.String()
	} else if !x.plan.AllowUnpublished {
		return nil, fmt.Errorf("%w: position %d has no recorded commit LSN", ErrUnpublished, ev.GlobalPosition)
	}
	rec, err := x.b.Build(toSchemas(ev), lsn)
	if err != nil {
		return nil, fmt.Errorf("republish: %w", err)
	}
	if x.plan.ToTopic != "" {
		rec.Topic = x.plan.ToTopic
	}
	return rec, nil
}

func (x *run) acked(_ *kgo.Record, err error) {
	if err == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.failed == nil {
		x.failed = err
	}
}

// flush waits (bounded) for the batch's acks and returns its first failure.
func (x *run) flush(ctx context.Context) error {
	fctx, cancel := context.WithTimeout(ctx, 2*x.r.cfg.Timeout)
	defer cancel()
	if err := x.r.cl.Flush(fctx); err != nil {
		return fmt.Errorf("republish: waiting for Kafka: %w", err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.failed; err != nil {
		return fmt.Errorf("republish: produce: %w", err)
	}
	return nil
}

func (x *run) save(ctx context.Context, last, n int64) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), x.r.cfg.Timeout)
	defer cancel()
	if err := x.lock.save(sctx, last, n); err != nil {
		return err
	}
	x.pr.Events += n
	x.pr.Total += n
	x.pr.Position = last
	x.pr.Elapsed = time.Since(x.began)
	x.pr.Finished = last >= x.plan.To
	if x.report != nil {
		x.report(x.pr)
	}
	return nil
}

// toSchemas is the event as the relay decodes it from the WAL.
func toSchemas(e eventstore.Event) schemas.Event {
	return schemas.Event{
		EventID: e.EventID.String(), AggregateType: e.AggregateType, AggregateID: e.AggregateID.String(),
		Revision: e.Revision, EventType: e.EventType, SchemaVersion: e.SchemaVersion,
		RecordedAt: e.RecordedAt.UTC(), GlobalPosition: e.GlobalPosition,
		Metadata: e.Metadata, Data: e.Data,
	}
}
