package offsets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/twmb/franz-go/pkg/kadm"
)

// Description is a group's state, members and, per partition it has committed, where it
// stands against the log.
type Description struct {
	Group      string         `json:"group"`
	State      string         `json:"state"`
	Members    []string       `json:"members"`
	Partitions []PartitionLag `json:"partitions"`
	TotalLag   int64          `json:"total_lag"`
}

// PartitionLag is one partition of a Description, as kadm computes it: Lag is LogEnd −
// Committed, from the log start when nothing is committed, and -1 when an offset could not
// be read.
type PartitionLag struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Committed int64  `json:"committed"` // -1: nothing committed
	LogStart  int64  `json:"log_start"`
	LogEnd    int64  `json:"log_end"`
	Lag       int64  `json:"lag"`
}

// Describe reads the group and, for topics (nil: those it has committed), its lag.
func (a *Admin) Describe(ctx context.Context, group string, topics Topics) (*Description, error) {
	state, members, err := a.GroupState(ctx, group)
	if err != nil {
		return nil, err
	}
	sort.Strings(members)
	d := &Description{Group: group, State: state, Members: members}
	l, err := a.list(ctx, group, topics, Spec{Kind: ToLatest})
	if err != nil {
		if len(topics) == 0 && errors.Is(err, ErrNoTopics) {
			return d, nil
		}
		return nil, err
	}
	lag := l.lag(group)
	for _, m := range lag.Sorted() {
		d.Partitions = append(d.Partitions, PartitionLag{Topic: m.Topic, Partition: m.Partition,
			Committed: m.Commit.At, LogStart: m.Start.Offset, LogEnd: m.End.Offset, Lag: m.Lag})
	}
	d.TotalLag = lag.Total()
	return d, nil
}

// lag is kadm's lag of exactly the listed partitions. A selected partition the group
// never committed enters as "committed nowhere" (At -1), so kadm counts it from the log
// start; the group's commits on other topics stay out of the total.
func (l *listing) lag(group string) kadm.GroupLag {
	commits := kadm.OffsetResponses{}
	for _, tp := range l.partitions {
		o, ok := l.committed.Lookup(tp.topic, tp.partition)
		if !ok {
			o = kadm.OffsetResponse{Offset: kadm.Offset{Topic: tp.topic, Partition: tp.partition, At: -1, LeaderEpoch: -1}}
		}
		if commits[tp.topic] == nil {
			commits[tp.topic] = map[int32]kadm.OffsetResponse{}
		}
		commits[tp.topic][tp.partition] = o
	}
	return kadm.CalculateGroupLagWithStartOffsets(kadm.DescribedGroup{Group: group}, commits, l.starts, l.ends)
}

// WriteTable prints the description for people.
func (d *Description) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "group %s: %s, %d member(s)\n", d.Group, d.State, len(d.Members))
	for _, m := range d.Members {
		fmt.Fprintf(w, "  member %s\n", m)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "TOPIC\tPARTITION\tCOMMITTED\tLOG-START\tLOG-END\tLAG\n")
	for _, p := range d.Partitions {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\n", p.Topic, p.Partition, offsetText(p.Committed), p.LogStart, p.LogEnd, p.Lag)
	}
	fmt.Fprintf(tw, "\t\t\t\tTOTAL\t%d\n", d.TotalLag)
	return tw.Flush()
}
