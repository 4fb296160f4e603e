package offsets

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

var (
	// ErrGroupActive: the group has members; resetting under them would be undone.
	ErrGroupActive = errors.New("offsets: group has active members")
	// ErrNoTopics: nothing says which topics to reset.
	ErrNoTopics = errors.New("offsets: no topics to reset")
)

// ActiveError names the members still in the group.
type ActiveError struct {
	Group   string
	State   string
	Members []string
}

func (e *ActiveError) Error() string {
	return fmt.Sprintf("group %s is %s with %d active member(s) (%s): stop its consumers first "+
		"(a projector group: on make run, Ctrl-C it and start it as make run RECALL_WITHOUT=projector; "+
		"compose: docker compose stop projector; Kubernetes: kubectl scale deployment/<release>-projector --replicas=0), "+
		"wait for the session timeout, then retry", e.Group, e.State, len(e.Members), strings.Join(e.Members, ", "))
}

func (e *ActiveError) Unwrap() error { return ErrGroupActive }

// Topics selects partitions: topic → partitions (empty: every partition of the topic).
type Topics map[string][]int32

// ParseTopics reads --topic flags: "T" or "T:0,1,2".
func ParseTopics(flags []string) (Topics, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	ts := Topics{}
	for _, f := range flags {
		name, parts, found := strings.Cut(f, ":")
		if name == "" {
			return nil, fmt.Errorf("--topic %q: empty topic name", f)
		}
		if !found {
			ts[name] = nil
			continue
		}
		for _, p := range strings.Split(parts, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 32)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("--topic %q: partition %q is not a non-negative integer", f, p)
			}
			ts[name] = append(ts[name], int32(n))
		}
	}
	return ts, nil
}

// Admin does the reads and writes of a reset through kadm.
type Admin struct {
	adm *kadm.Client
	now func() time.Time
}

// NewAdmin wraps a kadm client.
func NewAdmin(adm *kadm.Client) *Admin { return &Admin{adm: adm, now: time.Now} }

// GroupState is the group's state and its members' ids ("Empty" and none when idle).
func (a *Admin) GroupState(ctx context.Context, group string) (string, []string, error) {
	described, err := a.adm.DescribeGroups(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return "Dead", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("offsets: describe group %s: %w", group, err)
	}
	d, ok := described[group]
	if !ok {
		return "Dead", nil, nil
	}
	if errors.Is(d.Err, kerr.GroupIDNotFound) {
		return "Dead", nil, nil
	}
	if d.Err != nil {
		return "", nil, fmt.Errorf("offsets: describe group %s: %w", group, d.Err)
	}
	var members []string
	for _, m := range d.Members {
		members = append(members, m.ClientID+"@"+m.ClientHost)
	}
	return d.State, members, nil
}

// Plan computes the reset of group's partitions in topics (nil: every partition the group
// has committed offsets for; with a FromFile spec, the partitions the file names) to
// spec. It changes nothing.
func (a *Admin) Plan(ctx context.Context, group string, topics Topics, spec Spec) (*Plan, error) {
	if spec.Kind == FromFile {
		if len(topics) > 0 {
			return nil, fmt.Errorf("%w: --from-file names its partitions; drop --topic", ErrSpec)
		}
		topics = spec.File.Topics()
	}
	l, err := a.list(ctx, group, topics, spec)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Group: group, Spec: spec.String()}
	for _, tp := range l.partitions {
		plan.Partitions = append(plan.Partitions, l.line(tp.topic, tp.partition, spec))
	}
	plan.sort()
	return plan, nil
}

// listing is what a plan or a description reads from Kafka: the group's commits and
// the log offsets of the selected partitions (in topic, partition order).
type listing struct {
	committed             kadm.OffsetResponses
	starts, ends, forTime kadm.ListedOffsets
	partitions            []topicPartition
}

type topicPartition struct {
	topic     string
	partition int32
}

func (a *Admin) list(ctx context.Context, group string, topics Topics, spec Spec) (*listing, error) {
	committed, err := a.adm.FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		// A group that never committed: a reset may create its offsets.
		committed, err = kadm.OffsetResponses{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("offsets: fetch committed offsets of %s: %w", group, err)
	}
	if len(topics) == 0 {
		topics = Topics{}
		committed.Each(func(o kadm.OffsetResponse) { topics[o.Topic] = nil })
	}
	if len(topics) == 0 {
		return nil, fmt.Errorf("%w: group %s has no committed offsets; name the topics with --topic", ErrNoTopics, group)
	}
	names := make([]string, 0, len(topics))
	for t := range topics {
		names = append(names, t)
	}
	sort.Strings(names)
	l := &listing{committed: committed}
	if l.starts, l.ends, l.forTime, err = a.listOffsets(ctx, spec, names); err != nil {
		return nil, err
	}
	for _, topic := range names {
		parts, err := partitionsOf(topic, topics[topic], l.ends)
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			l.partitions = append(l.partitions, topicPartition{topic, p})
		}
	}
	return l, nil
}

func (a *Admin) listOffsets(ctx context.Context, spec Spec, topics []string) (starts, ends, forTime kadm.ListedOffsets, err error) {
	if starts, err = a.adm.ListStartOffsets(ctx, topics...); err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("offsets: log start offsets: %w", err)
	}
	if ends, err = a.adm.ListEndOffsets(ctx, topics...); err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("offsets: log end offsets: %w", err)
	}
	at := spec.At
	if spec.Kind == ByDuration {
		at = a.now().Add(-spec.Duration)
	}
	if spec.Kind == ToDatetime || spec.Kind == ByDuration {
		if forTime, err = a.adm.ListOffsetsAfterMilli(ctx, at.UnixMilli(), topics...); err == nil {
			err = forTime.Error()
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("offsets: offsets for %s: %w", at.Format(time.RFC3339), err)
		}
	}
	return starts, ends, forTime, nil
}

func partitionsOf(topic string, want []int32, ends kadm.ListedOffsets) ([]int32, error) {
	all := ends[topic]
	if len(all) == 0 {
		return nil, fmt.Errorf("offsets: topic %s does not exist", topic)
	}
	if len(want) == 0 {
		for p := range all {
			want = append(want, p)
		}
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		return want, nil
	}
	for _, p := range want {
		if _, ok := all[p]; !ok {
			return nil, fmt.Errorf("offsets: topic %s has no partition %d (it has %d)", topic, p, len(all))
		}
	}
	return want, nil
}

func (l *listing) line(topic string, p int32, spec Spec) Partition {
	b := Bounds{Current: -1, ForTime: -1}
	if o, ok := l.committed.Lookup(topic, p); ok && o.Err == nil && o.At >= 0 {
		b.Current = o.At
	}
	if o, ok := l.starts.Lookup(topic, p); ok {
		b.LogStart = o.Offset
	}
	if o, ok := l.ends.Lookup(topic, p); ok {
		b.LogEnd = o.Offset
	}
	b.FromFile = spec.File[topic][p]
	if o, ok := l.forTime.Lookup(topic, p); ok && o.Offset >= 0 && o.Timestamp >= 0 {
		b.ForTime = o.Offset
	}
	return Partition{Topic: topic, Partition: p, Current: b.Current, LogStart: b.LogStart,
		LogEnd: b.LogEnd, Target: Target(spec, b)}
}

// Apply commits the plan's targets, refusing while the group has members.
func (a *Admin) Apply(ctx context.Context, plan *Plan) error {
	state, members, err := a.GroupState(ctx, plan.Group)
	if err != nil {
		return err
	}
	if len(members) > 0 {
		return &ActiveError{Group: plan.Group, State: state, Members: members}
	}
	var os kadm.Offsets
	for _, p := range plan.Partitions {
		os.Add(kadm.Offset{Topic: p.Topic, Partition: p.Partition, At: p.Target, LeaderEpoch: -1})
	}
	if err := a.adm.CommitAllOffsets(ctx, plan.Group, os); err != nil {
		return fmt.Errorf("offsets: commit reset of %s: %w", plan.Group, err)
	}
	return nil
}
