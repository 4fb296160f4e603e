package faults

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/recall-events/recall/bench/internal/apiclient"
	"github.com/recall-events/recall/bench/internal/kafkaread"
	"github.com/recall-events/recall/bench/internal/measure"
	"github.com/recall-events/recall/bench/internal/rig"
)

// Run runs profile p on a started rig and checks the invariants; see the package doc.
// An error means the run itself could not be carried out; violated invariants are in the
// Counts (see Failures).
func Run(ctx context.Context, r *rig.Rig, p Profile, logf func(string, ...any)) (Counts, error) {
	var c Counts
	if err := r.KafkaAsProcess(ctx); err != nil { // so the broker can be SIGKILLed
		return c, err
	}
	if err := r.StartRelay(ctx); err != nil {
		return c, err
	}
	if err := r.StartProjector(ctx); err != nil {
		return c, err
	}
	api := apiclient.New(r.APIURL, 2*p.Workers)
	api.IdempotencyKeys = true // retries under the same key apply once
	if err := api.Login(ctx, r.AdminUser, r.AdminPassword); err != nil {
		return c, err
	}
	l, err := startLoad(ctx, api, p.Rate, p.Workers)
	if err != nil {
		return c, err
	}
	start := time.Now()
	c.Faults, err = strike(ctx, r, start, schedule(p), logf)
	if err != nil {
		l.stop()
		return c, err
	}
	time.Sleep(time.Until(start.Add(p.Load)))
	acks := l.stop()
	c.Sent, c.LoadFailed, c.Retried, c.Internal = l.sent.Load(), l.failed.Load(), l.retries.Load(), l.status5.Load()
	logf("load stopped: %d commands, %d acknowledged, %d failed during outages", c.Sent, len(acks), c.LoadFailed)
	if err := stillRunning(r); err != nil {
		return c, err
	}
	stopped := time.Now()
	if err := catchUp(ctx, r, stopped, p, &c); err != nil {
		logf("read model not caught up: %v", err)
	}
	logf("read model caught up %v after the load stopped (bound %v)", c.CatchUp.Round(time.Millisecond), p.CatchUp)
	return c, check(ctx, r, acks, &c, logf)
}

func stillRunning(r *rig.Rig) error {
	if p := r.Relay(); p == nil || p.Exited() {
		return errors.New("faults: the relay exited on its own")
	}
	if p := r.Projector(); p == nil || p.Exited() {
		return errors.New("faults: the projector exited on its own")
	}
	return nil
}

// check drains and compares; a timeout while waiting for the pipeline is not an error
// here: whatever has not arrived by then counts as lost or stale.
func check(ctx context.Context, r *rig.Rig, acks []ack, c *Counts, logf func(string, ...any)) error {
	store, err := readStore(ctx, r)
	if err != nil {
		return err
	}
	checkAcked(store, acks, c)
	kctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	recs, err := kafkaread.All(kctx, r.Brokers, kafkaread.Topic, len(store), r.KafkaOpts...)
	cancel()
	if err != nil {
		logf("topic not complete: %v", err)
	}
	checkKafka(store, recs, c)
	if err := waitApplied(ctx, r, "users_v1", int64(len(store))); err != nil {
		logf("read model not caught up: %v", err)
	}
	if err := checkReadModel(ctx, r, "users_v1", c); err != nil {
		return err
	}
	return rebuild(ctx, r, int64(len(store)), c, logf)
}

// catchUp waits until the read model reflects every committed event and records how
// long that took after the load stopped; CatchUpLate is set past the profile's bound.
func catchUp(ctx context.Context, r *rig.Rig, stopped time.Time, p Profile, c *Counts) error {
	var events int64
	if err := r.Pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE aggregate_type = 'user'`).Scan(&events); err != nil {
		return err
	}
	err := waitApplied(ctx, r, "users_v1", events)
	c.CatchUp = time.Since(stopped)
	if err != nil || c.CatchUp > p.CatchUp {
		c.CatchUpLate = 1
	}
	return err
}

// rebuild runs users v2 (a new consumer group) from offset zero in a fresh projector
// process and compares it with the live v1 that lived through the faults.
func rebuild(ctx context.Context, r *rig.Rig, events int64, c *Counts, logf func(string, ...any)) error {
	t := time.Now()
	if err := r.StartProjector(ctx, "RECALL_USERS_VERSION=2", "RECALL_WELCOME_EMAIL=false"); err != nil {
		return err
	}
	if err := waitApplied(ctx, r, "users_v2", events); err != nil {
		logf("rebuild not complete: %v", err)
	}
	logf("rebuilt users v2 from offset zero in %v", time.Since(t).Round(time.Millisecond))
	// events was counted before the topic and v1 were checked; a command whose client gave
	// up when the load stopped can still commit after that, and v2 then reaches that sum of
	// revisions one event short of the store (any partition's last event). Compare the two
	// tables only once both stand at the store's current revisions.
	for _, table := range []string{"users_v1", "users_v2"} {
		if err := waitCurrent(ctx, r, table); err != nil {
			logf("%s not at the store's revisions: %v", table, err)
		}
	}
	n, err := compareTables(ctx, r, "users_v1", "users_v2")
	if err != nil {
		return fmt.Errorf("faults: compare read models: %w", err)
	}
	c.RebuildMismatch = n
	if n > 0 {
		diff, err := diffTables(ctx, r, "users_v1", "users_v2", 10)
		if err != nil {
			return fmt.Errorf("faults: compare read models: %w", err)
		}
		for _, d := range diff {
			logf("differs from the rebuild: %s", d)
		}
	}
	return nil
}

// waitCurrent gives table two minutes to hold every stream at the store's last revision.
func waitCurrent(ctx context.Context, r *rig.Rig, table string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		var c Counts
		err := checkReadModel(ctx, r, table, &c)
		if err == nil && c.ReadModelStale == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d rows stale (%v): %w", c.ReadModelStale, err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitApplied gives the read model two minutes to reflect every event.
func waitApplied(ctx context.Context, r *rig.Rig, table string, events int64) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return measure.WaitApplied(ctx, r, table, events)
}
