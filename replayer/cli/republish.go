package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/relay/record"
	"github.com/recall-events/recall/replayer/opslog"
	"github.com/recall-events/recall/replayer/republish"
	"github.com/recall-events/recall/schemas"
)

// republishFlags are republish's own flags; the registry, prefix and source say how the
// relay builds its records, so they default from the relay's environment variables.
type republishFlags struct {
	req          republish.Request
	fromTime     string
	registryURL  string
	recordKeyID  string
	recordKeys   string
	topicPrefix  string
	source       string
	execute      bool
	partitions   int32
	progressTick time.Duration
}

func newRepublishCmd(g *globals) *cobra.Command {
	var f republishFlags
	cmd := &cobra.Command{
		Use:   "republish (--from-position P | --from-time T) [--aggregate-type user] [--to-topic X] [--execute]",
		Short: "Publish events from the event store again, byte for byte as the relay did",
		Long: `republish reads the event store in global_position order and produces every event with the
relay's record code: the same value bytes, key, partition (same partitioner, and a created target
topic gets the source's partition count) and headers, recall_commit_lsn included (from the relay's
relay_commits table). Use it for a topic that lost history or a new topic for a downstream team.

Without --execute it prints the plan and changes nothing. With --execute it publishes batch by
batch, saves the job's progress in republish_progress after each acked batch, prints progress, and
records the run in ops_log. Interrupted (Ctrl-C), it finishes the records in flight and saves them:
run the same command with --resume to continue. It refuses events the relay has not published
(no recorded commit LSN) unless --allow-unpublished.`,
		Example: `  replayer republish --from-position 1 --to-topic recall.user.events.restored
  replayer republish --from-position 1 --to-topic recall.user.events.restored --execute
  replayer republish --from-position 1 --to-topic recall.user.events.restored --execute --resume`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRepublish(cmd.Context(), g, &f) },
	}
	fl := cmd.Flags()
	fl.Int64Var(&f.req.FromPosition, "from-position", 0, "first global_position to republish")
	fl.StringVar(&f.fromTime, "from-time", "", "republish from the first event recorded at or after this RFC 3339 instant")
	fl.StringVar(&f.req.AggregateType, "aggregate-type", "", "only events of this aggregate type (default: all)")
	fl.StringVar(&f.req.ToTopic, "to-topic", "", "produce every record to this topic (default: each record's own topic)")
	fl.IntVar(&f.req.Batch, "batch", 1000, "events per batch: read, produced, acked, then progress saved")
	fl.StringVar(&f.req.Job, "job", "", "progress key (default: <target topic>@<start position>)")
	fl.BoolVar(&f.req.Resume, "resume", false, "continue the job after its last acked position")
	fl.BoolVar(&f.req.AllowUnpublished, "allow-unpublished", false, "stamp events without a recorded commit LSN with the current WAL position instead of refusing")
	fl.Int32Var(&f.partitions, "partitions", 12, "partitions of a created target topic when the source topic is missing too")
	fl.BoolVar(&f.execute, "execute", false, "publish (default: print the plan only)")
	fl.StringVar(&f.registryURL, "schema-registry-url", "http://127.0.0.1:8081", "Confluent-API schema registry")
	fl.StringVar(&f.topicPrefix, "topic-prefix", record.DefaultTopicPrefix, "the relay's topic prefix")
	fl.StringVar(&f.source, "source", record.DefaultSource, "the relay's ce_source")
	envflag.Bind(fl, "schema-registry-url", "RECALL_SCHEMA_REGISTRY_URL")
	envflag.Bind(fl, "topic-prefix", "RECALL_TOPIC_PREFIX")
	envflag.Bind(fl, "source", "RECALL_RELAY_SOURCE")
	fl.StringVar(&f.recordKeyID, "record-key-id", "", "sign as the relay does with this key of RECALL_RECORD_KEYS; empty: unsigned")
	envflag.Bind(fl, "record-key-id", "RECALL_RECORD_KEY_ID")
	envflag.Secret(fl, &f.recordKeys, "record-keys", "RECALL_RECORD_KEYS")
	fl.DurationVar(&f.progressTick, "progress-every", time.Second, "how often progress is printed")
	cmd.MarkFlagsMutuallyExclusive("from-position", "from-time")
	return cmd
}

func runRepublish(ctx context.Context, g *globals, f *republishFlags) error {
	if f.fromTime != "" {
		t, err := time.Parse(time.RFC3339Nano, f.fromTime)
		if err != nil {
			return fmt.Errorf("--from-time %q: want RFC 3339, e.g. 2026-03-15T15:47:00Z", f.fromTime)
		}
		f.req.FromTime = t
	}
	f.req.Partitions = f.partitions
	kafkaOpts, err := g.auth.KafkaOpts()
	if err != nil {
		return err
	}
	srOpts, err := g.auth.RegistryOpts()
	if err != nil {
		return err
	}
	var signer *schemas.Keyring
	if f.recordKeyID != "" || f.recordKeys != "" {
		if signer, err = schemas.ParseKeyring(f.recordKeyID, f.recordKeys); err != nil {
			return fmt.Errorf("RECALL_RECORD_KEYS/--record-key-id: %w", err)
		}
		if f.recordKeyID == "" {
			return errors.New("RECALL_RECORD_KEYS is set but --record-key-id names no signing key")
		}
	}
	r, err := republish.New(ctx, republish.Config{
		DatabaseURL: g.databaseURL, Brokers: g.brokers, RegistryURL: f.registryURL,
		TopicPrefix: f.topicPrefix, Source: f.source, Timeout: g.timeout, Logger: g.kafkaLog(),
		KafkaOpts: kafkaOpts, RegistryOpts: srOpts, Signer: signer,
	})
	if err != nil {
		return err
	}
	defer r.Close()
	plan, err := r.Plan(ctx, f.req)
	if err != nil {
		return err
	}
	if err := g.print(plan, plan.WriteTable); err != nil {
		return err
	}
	if !f.execute {
		fmt.Fprintf(g.stderr, "dry run: %d event(s) would be republished; nothing changed. Add --execute to publish.\n", plan.Events)
		return nil
	}
	return executeRepublish(ctx, g, f, r, plan)
}

func executeRepublish(ctx context.Context, g *globals, f *republishFlags, r *republish.Republisher, plan *republish.Plan) error {
	ops, err := g.opsLog(ctx)
	if err != nil {
		return err
	}
	defer ops.Close()
	if plan.Unmapped > 0 && plan.AllowUnpublished {
		fmt.Fprintf(g.stderr, "note: %d event(s) from position %d have no recorded commit LSN; they carry recall_commit_lsn=%s (the WAL position now).\n",
			plan.Unmapped, plan.FirstUnmapped, plan.WALPosition)
	}
	done, runErr := r.Execute(ctx, plan, progressPrinter(g.stderr, f.progressTick))
	entry := opslog.Entry{Actor: g.actor, Operation: "republish", Plan: plan, Args: map[string]any{
		"from_position": f.req.FromPosition, "from_time": f.fromTime, "aggregate_type": f.req.AggregateType,
		"to_topic": f.req.ToTopic, "batch": f.req.Batch, "job": plan.Job, "resume": f.req.Resume,
		"allow_unpublished": f.req.AllowUnpublished, "published": done.Events, "last_position": done.Position,
	}}
	if err := ops.Record(context.WithoutCancel(ctx), entry, runErr); err != nil {
		return fmt.Errorf("%w (republish error: %v)", err, runErr)
	}
	switch {
	case errors.Is(runErr, context.Canceled):
		return fmt.Errorf("interrupted after position %d (%d events this run): run the same command with --resume to continue: %w",
			done.Position, done.Events, runErr)
	case runErr != nil:
		return runErr
	}
	fmt.Fprintf(g.stderr, "republish done: %d event(s) this run, %d in job %s; recorded in ops_log.\n", done.Events, done.Total, plan.Job)
	return nil
}

// progressPrinter prints a progress line at most every tick, and always the finished one,
// but never the same events and position twice: Execute reports the last batch and then
// the job's end, which are the same line when the last event is the plan's last position.
func progressPrinter(w io.Writer, every time.Duration) func(republish.Progress) {
	var printedAt time.Time
	var printed *republish.Progress
	return func(p republish.Progress) {
		if printed != nil && printed.Events == p.Events && printed.Position == p.Position {
			return
		}
		if p.Finished || time.Since(printedAt) >= every {
			printedAt, printed = time.Now(), &p
			fmt.Fprintf(w, "republished %d/%d events (%.0f events/s), position %d\n", p.Events, p.Planned, p.Rate(), p.Position)
		}
	}
}
