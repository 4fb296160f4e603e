package offsets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
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

// PartitionLag is one partition of a Description. Lag is LogEnd − Committed (from the log
// start when nothing is committed).
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
	d := &Description{Group: group, State: state, Members: members}
	plan, err := a.Plan(ctx, group, topics, Spec{Kind: ToLatest})
	if err != nil {
		if len(topics) == 0 && errors.Is(err, ErrNoTopics) {
			return d, nil
		}
		return nil, err
	}
	for _, p := range plan.Partitions {
		from := p.Current
		if from < 0 {
			from = p.LogStart
		}
		lag := max(p.LogEnd-from, 0)
		d.Partitions = append(d.Partitions, PartitionLag{Topic: p.Topic, Partition: p.Partition,
			Committed: p.Current, LogStart: p.LogStart, LogEnd: p.LogEnd, Lag: lag})
		d.TotalLag += lag
	}
	sort.Strings(d.Members)
	return d, nil
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
