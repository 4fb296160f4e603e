package measure

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/recall-events/recall/bench/internal/apiclient"
	"github.com/recall-events/recall/bench/internal/kafkaread"
	"github.com/recall-events/recall/bench/internal/rig"
	"github.com/recall-events/recall/bench/internal/seed"
	"github.com/recall-events/recall/bench/internal/stats"
	"github.com/recall-events/recall/eventstore"
	"github.com/recall-events/recall/readmodel"
)

// LatencyConfig sizes (c).
type LatencyConfig struct {
	Rate     int           // operations per second, open loop
	Duration time.Duration // of each of the two runs, warm-up included
	Warmup   time.Duration // samples scheduled in the first Warmup are dropped
	Users    int           // streams the operations spread over
	Deadline time.Duration // how long after the run an operation may still arrive
}

// LatencyResult is (c). Every latency counts from the operation's scheduled instant.
type LatencyResult struct {
	Rate    int     `json:"rate_per_s"`
	Seconds float64 `json:"seconds_per_run"`
	// Run 1: eventstore appends (one event each): scheduled → a consumer has the record.
	// It includes the append (≈ the commit) and the consumer's fetch, so it bounds the
	// relay's commit→ack from above.
	AppendToKafka stats.Latency `json:"append_to_kafka"`
	// The relay's own commit→ack histogram over run 1 (bucket upper bounds).
	RelayCommitToAck BucketSummary `json:"relay_commit_to_ack"`
	// Run 2: UpdateUser over HTTP: scheduled → 2xx, → in Kafka, → in the read model.
	CommandToReply     stats.Latency `json:"command_to_reply"`
	CommandToKafka     stats.Latency `json:"command_to_kafka"`
	CommandToReadModel stats.Latency `json:"command_to_read_model"`
	// What run 2 cost (the queries of the harness's own read-model watch left out).
	CommandCost Cost `json:"command_cost"`
	// Run 3: what users do, every UpdateUser followed by its read-your-writes GET
	// through the API.
	ReadYourWrites *ReadYourWritesResult `json:"read_your_writes,omitempty"`
}

type sample struct {
	scheduled, replied time.Time
	id                 uuid.UUID
	rev                int64
	ok                 bool
}

// Latency measures (c): first appends straight to the store, then commands over HTTP,
// each at cfg.Rate for cfg.Duration. The relay and the projector must be running.
func Latency(ctx context.Context, r *rig.Rig, cfg LatencyConfig) (LatencyResult, error) {
	res := LatencyResult{Rate: cfg.Rate, Seconds: cfg.Duration.Seconds()}
	ids, err := seed.Users(ctx, r.Store, "lat-"+uuid.NewString()[:6]+"-", cfg.Users)
	if err != nil {
		return res, err
	}
	kafka := &kafkaSeen{at: map[key]time.Time{}}
	tail, err := kafkaread.Tail(ctx, r.Brokers, kafkaread.Topic, kafka.record, r.KafkaOpts...)
	if err != nil {
		return res, err
	}
	defer tail.Stop()

	before := relayHistogram(ctx, r)
	appends := run(ctx, cfg, ids, func(ctx context.Context, id uuid.UUID) (int64, bool) {
		out, err := r.Store.Append(ctx, eventstore.AppendRequest{AggregateType: "user", AggregateID: id, Expected: eventstore.Any,
			Events: []eventstore.NewEvent{{EventType: "UserUpdated", SchemaVersion: 1,
				Data:     fmt.Appendf(nil, `{"first_name":%q,"last_name":null,"email":null}`, name()),
				Metadata: eventstore.Metadata{ActorID: "bench", ActorRole: "admin", RequestID: uuid.NewString()}}}})
		return out.Revision, err == nil
	})
	res.AppendToKafka = kafka.summarise(ctx, appends, cfg.Deadline)
	res.RelayCommitToAck = relayHistogram(ctx, r).minus(before).summary()

	api := apiclient.New(r.APIURL, 256)
	if err := api.Login(ctx, r.AdminUser, r.AdminPassword); err != nil {
		return res, err
	}
	table, err := liveUsersTable(ctx, r)
	if err != nil {
		return res, err
	}
	rm := newReadModelWatch(r.Pool, table)
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go rm.run(watchCtx, r.DatabaseURL)
	meter, err := startCost(ctx, r)
	if err != nil {
		return res, err
	}
	watched := rm.queries.Load()
	commands := run(ctx, cfg, ids, func(ctx context.Context, id uuid.UUID) (int64, bool) {
		out, err := api.UpdateUser(ctx, id, apiclient.Update{FirstName: name()}, "")
		if err != nil || !out.OK() {
			return 0, false
		}
		rm.await(id, out.Revision)
		return out.Revision, true
	})
	cost, err := meter.stop(ctx, cfg.sent(), func() int64 { return rm.queries.Load() - watched })
	if err != nil {
		return res, err
	}
	res.CommandCost = cost
	res.CommandToReply = replies(commands)
	res.CommandToKafka = kafka.summarise(ctx, commands, cfg.Deadline)
	res.CommandToReadModel = awaitAll(ctx, commands, cfg.Deadline, rm.seen)
	stopWatch()
	ryw, err := readYourWrites(ctx, r, cfg, ids, api)
	res.ReadYourWrites = &ryw
	if err != nil {
		return res, err
	}
	return res, ctx.Err()
}

// sent is how many operations one run schedules.
func (c LatencyConfig) sent() int { return int(float64(c.Rate) * c.Duration.Seconds()) }

// run drives op at cfg.Rate over ids, round robin, and returns the kept samples.
func run(ctx context.Context, cfg LatencyConfig, ids []uuid.UUID, op func(context.Context, uuid.UUID) (int64, bool)) []sample {
	n := int(float64(cfg.Rate) * cfg.Duration.Seconds())
	out := make([]sample, n)
	start := time.Now()
	openLoop(ctx, cfg.Rate, cfg.Duration, func(i int, at time.Time) {
		id := ids[i%len(ids)]
		rev, ok := op(ctx, id)
		out[i] = sample{scheduled: at, replied: time.Now(), id: id, rev: rev, ok: ok}
	})
	kept := out[:0]
	for _, s := range out {
		if !s.scheduled.IsZero() && s.scheduled.Sub(start) >= cfg.Warmup {
			kept = append(kept, s)
		}
	}
	return kept
}

func replies(ss []sample) stats.Latency {
	var ds []time.Duration
	for _, s := range ss {
		if s.ok {
			ds = append(ds, s.replied.Sub(s.scheduled))
		}
	}
	l := stats.Summarise(ds, 0)
	l.Failed = failed(ss)
	return l
}

func failed(ss []sample) int {
	n := 0
	for _, s := range ss {
		if !s.ok {
			n++
		}
	}
	return n
}

// awaitAll waits up to deadline for every successful sample to be seen, then summarises
// scheduled → seen; the ones never seen are counted as missed.
func awaitAll(ctx context.Context, ss []sample, deadline time.Duration, seen func(uuid.UUID, int64) (time.Time, bool)) stats.Latency {
	end := time.Now().Add(deadline)
	var ds []time.Duration
	missed := 0
	for _, s := range ss {
		if !s.ok {
			continue
		}
		t, ok := seen(s.id, s.rev)
		for !ok && time.Now().Before(end) && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
			t, ok = seen(s.id, s.rev)
		}
		if !ok {
			missed++
			continue
		}
		ds = append(ds, t.Sub(s.scheduled))
	}
	l := stats.Summarise(ds, missed)
	l.Failed = failed(ss)
	return l
}

// kafkaSeen remembers when each (aggregate, revision) first reached the tail.
type kafkaSeen struct {
	mu sync.Mutex
	at map[key]time.Time
}

func (k *kafkaSeen) record(r kafkaread.Record) {
	id, err := uuid.Parse(r.Key)
	if err != nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, dup := k.at[key{id, r.Revision}]; !dup {
		k.at[key{id, r.Revision}] = r.Seen
	}
}

func (k *kafkaSeen) seen(id uuid.UUID, rev int64) (time.Time, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.at[key{id, rev}]
	return t, ok
}

func (k *kafkaSeen) summarise(ctx context.Context, ss []sample, deadline time.Duration) stats.Latency {
	return awaitAll(ctx, ss, deadline, k.seen)
}

// liveUsersTable is the table of the live users projection version.
func liveUsersTable(ctx context.Context, r *rig.Rig) (string, error) {
	var v int
	err := r.Pool.QueryRow(ctx, `SELECT version FROM projections WHERE name = $1 AND state = 'live'`, readmodel.Projection).Scan(&v)
	if err != nil {
		return "", fmt.Errorf("measure: live users version: %w", err)
	}
	return readmodel.UsersTable(v), nil
}
