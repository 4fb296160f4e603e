package projection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kslog"
	"go.opentelemetry.io/otel/trace"
)

// Config configures a Runner.
type Config struct {
	Name     string   // projection label, e.g. "users.v1"; also the key in projector_dead_letters
	Group    string   // consumer group, e.g. "recall.projector.users.v1"
	Topic    string   // source topic
	DLQTopic string   // dead-letter topic; must exist (see EnsureTopics)
	Brokers  []string // seed brokers
	Decoder  Decoder
	// Verifier, when set, checks every record's signature before it is decoded:
	// an unsigned or badly signed record is dead-lettered, never applied or skipped.
	Verifier Verifier
	Handler  Handler
	Pool     *pgxpool.Pool // for projector_dead_letters
	Metrics  *Metrics
	Logger   *slog.Logger

	// MaxAttempts is how often a record error is retried before the record
	// is dead-lettered; default 5.
	MaxAttempts int
	Backoff     Backoff
	// ShutdownGrace bounds finishing the batch in hand after ctx ends;
	// default 30s.
	ShutdownGrace time.Duration
	// KafkaOpts are appended to the client options (tests shorten timeouts).
	KafkaOpts []kgo.Opt

	// InstanceID, when set, makes this member static (KIP-345): a restarted process
	// with the same id takes its partitions back at once, without waiting for the
	// killed member's session to expire and without a rebalance. It must be unique
	// per live process of the group (a second process with the same id fences the
	// first). Empty: a dynamic member. See the package doc.
	InstanceID string
	// WatchInterval is how often the group's committed offsets are compared
	// with the end offsets (the lag and stall metrics); default 5s.
	WatchInterval time.Duration
	// StallAfter is how long a partition may lag without committed progress
	// before Stalled reports it; default 60s.
	StallAfter time.Duration
	// Tracer, when set, makes a consumer span per record that carries a traceparent
	// (see startSpans); nil: tracing off, nothing is parsed.
	Tracer trace.Tracer
}

// Validate reports every missing or invalid setting at once.
func (c Config) Validate() error {
	var errs []error
	need := func(ok bool, what string) {
		if !ok {
			errs = append(errs, errors.New("projection: "+what))
		}
	}
	need(c.Name != "", "Name is required")
	need(c.Group != "", "Group is required")
	need(c.Topic != "", "Topic is required")
	need(c.DLQTopic != "" && c.DLQTopic != c.Topic, "DLQTopic is required and differs from Topic")
	need(len(c.Brokers) > 0, "Brokers are required")
	need(c.Decoder != nil, "Decoder is required")
	need(c.Handler != nil, "Handler is required")
	need(c.Pool != nil, "Pool is required")
	need(c.Metrics != nil, "Metrics is required")
	need(c.MaxAttempts >= 0, "MaxAttempts must not be negative")
	return errors.Join(errs...)
}

// Runner consumes one topic in one consumer group for one Handler.
type Runner struct {
	cfg Config
	log *slog.Logger
	cl  atomic.Pointer[kgo.Client]

	mu    sync.Mutex
	parts map[int32]*partState

	watch watcher
}

// partState is a partition's retry bookkeeping.
type partState struct {
	failOffset int64 // record the attempts count for
	attempts   int   // record-class failures at failOffset
	retries    int   // consecutive retries, for the backoff
	timer      *time.Timer
}

// New checks cfg and returns a Runner; Run starts it.
func New(cfg Config) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = 30 * time.Second
	}
	if cfg.WatchInterval <= 0 {
		cfg.WatchInterval = 5 * time.Second
	}
	if cfg.StallAfter <= 0 {
		cfg.StallAfter = time.Minute
	}
	cfg.Backoff = cfg.Backoff.withDefaults()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("projection", cfg.Name, "group", cfg.Group)
	return &Runner{cfg: cfg, log: log, parts: map[int32]*partState{}, watch: watcher{progress: map[int32]progress{}}}, nil
}

// Ready reports whether the Runner has joined its group.
func (r *Runner) Ready() bool {
	cl := r.cl.Load()
	if cl == nil {
		return false
	}
	member, gen := cl.GroupMetadata()
	return member != "" && gen > 0
}

// A replay holds the fetch it applies and the one franz-go buffers meanwhile, each
// decompressed and decoded: 8 MiB fetches (1 MiB per partition) kept a 200k-event replay's
// live heap above 100 MiB (peak RSS 282 MiB without a memory limit, 162 MiB with one at
// 100 MiB, then collecting all the time). 2 MiB is still thousands of ≈300-byte events
// per fetch, and 256 KiB per partition hundreds per database batch.
const (
	fetchMaxBytes          = 2 << 20
	fetchMaxPartitionBytes = 256 << 10
	fetchMaxWait           = 500 * time.Millisecond
)

func (r *Runner) clientOpts() []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(r.cfg.Brokers...),
		kgo.ConsumerGroup(r.cfg.Group),
		kgo.ConsumeTopics(r.cfg.Topic),
		kgo.Balancers(kgo.CooperativeStickyBalancer()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// Offsets are committed by hand after the database commit, and no
		// partition may move while a poll is being applied.
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(r.assigned),
		kgo.OnPartitionsRevoked(r.forget),
		kgo.OnPartitionsLost(r.forget),
		// franz-go's 50 MiB default fetch, decompressed and buffered per client (one per
		// projection version), held 350–500 MiB during a replay; see fetchMaxBytes.
		kgo.FetchMaxBytes(fetchMaxBytes),
		kgo.FetchMaxPartitionBytes(fetchMaxPartitionBytes),
		// A partition resumed after its retry backoff joins the next fetch, which waits
		// for the one in flight: with franz-go's 5 s long poll, a 100 ms backoff became
		// up to 5 s, and the five attempts before a record's dead letter held its
		// partition for ≈ 20 s. An idle fetch every half second costs nothing; data is
		// answered at once whatever the wait.
		kgo.FetchMaxWait(fetchMaxWait),
		kgo.WithLogger(kslog.New(r.log)),
		kgo.WithHooks(r.cfg.Metrics.client(r.cfg.Group)...),
	}
	if r.cfg.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(r.cfg.InstanceID))
	}
	return append(opts, r.cfg.KafkaOpts...)
}

// Run consumes until ctx ends, then finishes the batch in hand, commits it and
// leaves the group. It returns nil after a clean stop.
func (r *Runner) Run(ctx context.Context) error {
	cl, err := kgo.NewClient(r.clientOpts()...)
	if err != nil {
		return fmt.Errorf("projection %s: kafka client: %w", r.cfg.Name, err)
	}
	r.cl.Store(cl)
	defer r.cfg.Metrics.forget(r.cfg.Name)
	defer func() {
		r.stopTimers()
		if ctx.Err() != nil {
			r.leave(cl) // a static member does not leave on Close by itself
		}
		cl.CloseAllowingRebalance() // leaves the group (a dynamic member)
	}()
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go r.watchGroup(watchCtx, cl)
	// Work outlives ctx by ShutdownGrace, so SIGTERM finishes the batch and
	// its commit instead of aborting the transaction halfway.
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(r.cfg.ShutdownGrace, cancel) })
	defer stop()
	lctx, stopListen := context.WithCancel(ctx)
	defer stopListen()
	go r.listenResolved(lctx)
	r.log.Info("projection started", "topic", r.cfg.Topic)
	for {
		fetches := cl.PollFetches(ctx)
		if fetches.IsClientClosed() {
			return nil
		}
		fetches.EachError(func(t string, p int32, err error) {
			if ctx.Err() == nil {
				r.log.Warn("fetch error", "topic", t, "partition", p, "err", err)
			}
		})
		r.processPoll(work, cl, fetches)
		cl.AllowRebalance()
		if ctx.Err() != nil {
			r.log.Info("projection stopping: batch committed, leaving the group")
			return nil
		}
	}
}

// result is what processing one partition batch decided.
type result struct {
	partition int32
	done      *kgo.Record // last record applied, skipped or dead-lettered: commit it
	retry     *kgo.Record // first record not handled: rewind here and back off
	class     Class
	err       error
}

func (r *Runner) processPoll(ctx context.Context, cl *kgo.Client, fetches kgo.Fetches) {
	var parts []kgo.FetchTopicPartition
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) > 0 {
			parts = append(parts, p)
		}
	})
	if len(parts) == 0 {
		return
	}
	results := make([]result, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		wg.Go(func() { results[i] = r.processPartition(ctx, cl, p) })
	}
	wg.Wait()
	var commit []*kgo.Record
	for _, res := range results {
		if res.done != nil {
			commit = append(commit, res.done)
		}
	}
	if len(commit) > 0 {
		// A failed commit only means redelivery, which the handlers skip.
		if err := cl.CommitRecords(ctx, commit...); err != nil {
			r.log.Warn("offset commit failed; records will be redelivered and skipped", "err", err)
		}
	}
	for _, res := range results {
		r.account(cl, res)
	}
}

// account schedules a retry or clears the partition's retry state. Lag is
// not taken from here: see watchGroup.
func (r *Runner) account(cl *kgo.Client, res result) {
	if res.retry == nil {
		r.mu.Lock()
		if st := r.parts[res.partition]; st != nil {
			st.retries = 0
		}
		r.mu.Unlock()
		return
	}
	r.scheduleRetry(cl, res)
}

// scheduleRetry pauses the partition, rewinds it to the failed record and
// resumes it after the backoff. SetOffsets runs on the polling goroutine
// before AllowRebalance, as franz-go requires for group consumers.
func (r *Runner) scheduleRetry(cl *kgo.Client, res result) {
	p := res.partition
	r.mu.Lock()
	st := r.state(p)
	delay := r.cfg.Backoff.Delay(st.retries)
	st.retries++
	retries := st.retries
	r.mu.Unlock()

	tp := map[string][]int32{r.cfg.Topic: {p}}
	cl.PauseFetchPartitions(tp)
	cl.SetOffsets(map[string]map[int32]kgo.EpochOffset{r.cfg.Topic: {p: {Epoch: res.retry.LeaderEpoch, Offset: res.retry.Offset}}})
	r.cfg.Metrics.Retries.WithLabelValues(r.cfg.Name, res.class.String()).Inc()
	paused := r.cfg.Metrics.Paused.WithLabelValues(r.cfg.Name, r.cfg.Topic, partLabel(p))
	paused.Set(1)
	level := slog.LevelWarn
	if res.class == Gap || res.class == Integrity {
		level = slog.LevelError // never self-heals by skipping: someone should look
	}
	r.log.Log(context.Background(), level, "partition paused", "class", res.class.String(), "partition", p,
		"offset", res.retry.Offset, "retry_in", delay.String(), "retries", retries, "err", res.err)

	t := time.AfterFunc(delay, func() {
		paused.Set(0)
		cl.ResumeFetchPartitions(tp)
	})
	r.mu.Lock()
	if old := r.state(p).timer; old != nil {
		old.Stop()
	}
	r.state(p).timer = t
	r.mu.Unlock()
}

// state returns p's bookkeeping; r.mu must be held.
func (r *Runner) state(p int32) *partState {
	st := r.parts[p]
	if st == nil {
		st = &partState{failOffset: -1}
		r.parts[p] = st
	}
	return st
}

// forget drops the retry state of partitions leaving this member and resumes
// them, so a pause cannot outlive the assignment it was made for.
func (r *Runner) forget(_ context.Context, cl *kgo.Client, lost map[string][]int32) {
	r.mu.Lock()
	for _, p := range lost[r.cfg.Topic] {
		if st := r.parts[p]; st != nil && st.timer != nil {
			st.timer.Stop()
		}
		delete(r.parts, p)
		r.cfg.Metrics.Paused.WithLabelValues(r.cfg.Name, r.cfg.Topic, partLabel(p)).Set(0)
		r.cfg.Metrics.Assigned.DeleteLabelValues(r.cfg.Name, r.cfg.Topic, partLabel(p))
	}
	r.mu.Unlock()
	if len(lost[r.cfg.Topic]) > 0 {
		cl.ResumeFetchPartitions(map[string][]int32{r.cfg.Topic: lost[r.cfg.Topic]})
	}
}

func (r *Runner) stopTimers() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range r.parts {
		if st.timer != nil {
			st.timer.Stop()
		}
	}
}
