package republish

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/recall-events/recall/relay/commits"
	"github.com/recall-events/recall/relay/publish"
	"github.com/recall-events/recall/relay/record"
)

// Request is what to republish.
type Request struct {
	FromPosition int64     // the first global_position; or
	FromTime     time.Time // non-zero: from the first position recorded at or after it
	// AggregateType limits the job to one aggregate type; empty: all.
	AggregateType string
	// ToTopic receives every record; empty: each record's own topic (the relay's).
	ToTopic string
	Batch   int    // events read, published and checkpointed at a time; 1000
	Job     string // the progress key; empty: derived from the target and the start
	Resume  bool   // continue Job after its last acked position
	// AllowUnpublished stamps events the relay never published (no relay_commits row)
	// with the WAL position at planning time instead of refusing them.
	AllowUnpublished bool
	// Partitions of a target topic created when the source topic does not exist
	// either (else the source's count, so keys land on the same partitions); 12.
	Partitions int32
}

// Validate reports every problem of q at once.
func (q Request) Validate() error {
	var errs []error
	if q.FromPosition > 0 && !q.FromTime.IsZero() {
		errs = append(errs, errors.New("give a start position or a start time, not both"))
	}
	if q.FromPosition <= 0 && q.FromTime.IsZero() && !(q.Resume && q.Job != "") {
		errs = append(errs, errors.New("give a start position (≥ 1) or a start time (or --resume a named --job)"))
	}
	if q.Batch < 0 || q.Batch > 100_000 {
		errs = append(errs, fmt.Errorf("batch %d: want 1..100000", q.Batch))
	}
	if q.Partitions < 0 {
		errs = append(errs, fmt.Errorf("partitions %d: want ≥ 1", q.Partitions))
	}
	if strings.ContainsAny(q.ToTopic, " /\\") {
		errs = append(errs, fmt.Errorf("topic %q is not a topic name", q.ToTopic))
	}
	return errors.Join(errs...)
}

// Plan is what Execute will do; computing it changes nothing.
type Plan struct {
	Job           string `json:"job"`
	From          int64  `json:"from_position"`  // the job's first position
	To            int64  `json:"to_position"`    // its last: the newest committed event when it started
	Start         int64  `json:"start_position"` // where this run begins (after a resumed job's progress)
	Resumed       bool   `json:"resumed"`
	Finished      bool   `json:"finished"`          // a resumed job with nothing left
	Done          int64  `json:"already_published"` // by earlier runs of the job
	Events        int64  `json:"events"`            // this run will publish
	AggregateType string `json:"aggregate_type,omitempty"`
	ToTopic       string `json:"to_topic,omitempty"`
	Batch         int    `json:"batch"`
	// Unmapped events have no relay_commits row: the relay has not published them (or
	// did before relay_commits existed).
	Unmapped         int64       `json:"unmapped"`
	FirstUnmapped    int64       `json:"first_unmapped_position,omitempty"`
	AllowUnpublished bool        `json:"allow_unpublished"`
	WALPosition      string      `json:"wal_position,omitempty"` // recall_commit_lsn of unmapped events
	Topics           []TopicPlan `json:"topics"`
	// NoCommitsTable: relay_commits does not exist, so no event has a commit LSN.
	NoCommitsTable bool `json:"no_relay_commits_table,omitempty"`
}

// TopicPlan is where one aggregate type's events go.
type TopicPlan struct {
	AggregateType    string `json:"aggregate_type"`
	Events           int64  `json:"events"`
	Source           string `json:"source_topic"` // the relay's topic of the type
	SourcePartitions int32  `json:"source_partitions"`
	Target           string `json:"target_topic"`
	Partitions       int32  `json:"target_partitions"`
	Create           bool   `json:"create"`
	Warning          string `json:"warning,omitempty"`
}

// Plan works out the job of q: its range, events, topics and the events without a
// recorded commit LSN. It writes nothing, to the database or to Kafka.
func (r *Republisher) Plan(ctx context.Context, q Request) (*Plan, error) {
	if err := q.Validate(); err != nil {
		return nil, fmt.Errorf("republish: %w", err)
	}
	if q.Batch == 0 {
		q.Batch = 1000
	}
	if q.Partitions == 0 {
		q.Partitions = publish.DefaultPartitions
	}
	p := &Plan{AggregateType: q.AggregateType, ToTopic: q.ToTopic, Batch: q.Batch, AllowUnpublished: q.AllowUnpublished}
	if err := r.planRange(ctx, q, p); err != nil {
		return nil, err
	}
	if p.Finished {
		return p, nil
	}
	if err := r.planEvents(ctx, q, p); err != nil {
		return nil, err
	}
	return p, nil
}

// planRange fixes the job's name and range, from the request or its progress.
func (r *Republisher) planRange(ctx context.Context, q Request, p *Plan) error {
	from := q.FromPosition
	if !q.FromTime.IsZero() {
		var err error
		if from, err = r.store.PositionAt(ctx, q.FromTime); err != nil {
			return err
		}
	}
	p.Job = q.Job
	if p.Job == "" {
		p.Job = r.jobName(q, from)
	}
	j, found, err := loadJob(ctx, r.pool, p.Job)
	if err != nil {
		return err
	}
	switch {
	case found && !q.Resume:
		state := fmt.Sprintf("published up to position %d of %d..%d", j.Last, j.From, j.To)
		if j.FinishedAt != nil {
			state = "finished " + j.FinishedAt.UTC().Format(time.RFC3339)
		}
		return fmt.Errorf("%w: %s (%s): add --resume to continue it, or name another --job", ErrJobExists, p.Job, state)
	case !found && q.Resume:
		return fmt.Errorf("%w: %s", ErrNoJob, p.Job)
	case found:
		if j.AggregateType != q.AggregateType || j.ToTopic != q.ToTopic {
			return fmt.Errorf("republish: job %s republishes aggregate type %q to topic %q, not %q to %q",
				p.Job, j.AggregateType, j.ToTopic, q.AggregateType, q.ToTopic)
		}
		p.Resumed, p.From, p.To, p.Start, p.Done = true, j.From, j.To, j.Last+1, j.Events
		p.Finished = j.FinishedAt != nil || p.Start > p.To
		return nil
	}
	to, err := r.store.SettledEnd(ctx, r.cfg.Timeout)
	if err != nil {
		return err
	}
	p.From, p.To, p.Start = from, to, from
	return nil
}

func (r *Republisher) jobName(q Request, from int64) string {
	target := q.ToTopic
	switch {
	case target != "":
	case q.AggregateType != "":
		target = record.Topic(r.cfg.TopicPrefix, q.AggregateType)
	default:
		target = record.Topic(r.cfg.TopicPrefix, "*")
	}
	return target + "@" + strconv.FormatInt(from, 10)
}

// planEvents counts the run's events per aggregate type, those without a commit LSN,
// and plans their topics.
func (r *Republisher) planEvents(ctx context.Context, q Request, p *Plan) error {
	counts, err := r.store.CountByType(ctx, p.Start, p.To, q.AggregateType)
	if err != nil {
		return fmt.Errorf("republish: %w", err)
	}
	for _, c := range counts {
		p.Topics = append(p.Topics, TopicPlan{AggregateType: c.AggregateType, Events: c.Events})
		p.Events += c.Events
	}
	if err := r.planUnmapped(ctx, p); err != nil {
		return err
	}
	return r.planTopics(ctx, q, p)
}

func (r *Republisher) planUnmapped(ctx context.Context, p *Plan) error {
	if p.Events == 0 {
		return nil
	}
	var err error
	p.Unmapped, p.FirstUnmapped, err = commits.Unmapped(ctx, r.pool, p.Start, p.To, p.AggregateType)
	if errors.Is(err, commits.ErrNotMigrated) {
		p.NoCommitsTable = true
		p.Unmapped = p.Events
		p.FirstUnmapped, err = r.store.FirstPosition(ctx, p.Start, p.To, p.AggregateType)
	}
	if err != nil {
		return fmt.Errorf("republish: %w", err)
	}
	if p.Unmapped > 0 && p.AllowUnpublished {
		if p.WALPosition, err = r.store.WALPosition(ctx); err != nil {
			return fmt.Errorf("republish: %w", err)
		}
	}
	return nil
}

// planTopics finds each type's source topic and its target's partitions: a target that
// is missing is created with the source's partition count, so murmur2 puts every key on
// the partition it has in the source.
func (r *Republisher) planTopics(ctx context.Context, q Request, p *Plan) error {
	names := []string{}
	for i := range p.Topics {
		tp := &p.Topics[i]
		tp.Source = record.Topic(r.cfg.TopicPrefix, tp.AggregateType)
		tp.Target = tp.Source
		if q.ToTopic != "" {
			tp.Target = q.ToTopic
		}
		names = append(names, tp.Source, tp.Target)
	}
	if len(names) == 0 {
		return nil
	}
	details, err := r.adm.ListTopics(ctx, names...)
	if err != nil {
		return fmt.Errorf("republish: describe topics: %w", err)
	}
	for i := range p.Topics {
		tp := &p.Topics[i]
		if details.Has(tp.Source) {
			tp.SourcePartitions = int32(len(details[tp.Source].Partitions))
		}
		switch {
		case details.Has(tp.Target):
			tp.Partitions = int32(len(details[tp.Target].Partitions))
		case tp.SourcePartitions > 0:
			tp.Partitions, tp.Create = tp.SourcePartitions, true
		default:
			tp.Partitions, tp.Create = q.Partitions, true
		}
		if tp.SourcePartitions > 0 && tp.Partitions != tp.SourcePartitions {
			tp.Warning = fmt.Sprintf("%s has %d partitions, %s %d: keys land on other partitions than in the source (per-key order still holds)",
				tp.Target, tp.Partitions, tp.Source, tp.SourcePartitions)
		}
	}
	return nil
}
