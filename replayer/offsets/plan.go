package offsets

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"
)

// Partition is one line of a plan: where the group is and where the reset puts it.
type Partition struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Current   int64  `json:"current"` // -1: nothing committed
	LogStart  int64  `json:"log_start"`
	LogEnd    int64  `json:"log_end"`
	Target    int64  `json:"target"`
}

// Plan is a computed reset: nothing has been changed yet.
type Plan struct {
	Group      string      `json:"group"`
	Spec       string      `json:"spec"`
	Partitions []Partition `json:"partitions"`
}

// Bounds are the inputs of one partition's target: its committed offset (-1 if none),
// log start and end, the offset found for a datetime (-1 if no record is that new), and
// the offset a --from-file CSV gives it.
type Bounds struct {
	Current, LogStart, LogEnd, ForTime, FromFile int64
}

// Target computes one partition's new offset, always within [LogStart, LogEnd]: a
// consumer committed outside the log would jump by its reset policy instead.
func Target(s Spec, b Bounds) int64 {
	var t int64
	switch s.Kind {
	case ToEarliest:
		t = b.LogStart
	case ToLatest:
		t = b.LogEnd
	case ToOffset:
		t = s.Offset
	case ToDatetime, ByDuration:
		t = b.ForTime
		if t < 0 {
			t = b.LogEnd
		}
	case ToCurrent:
		// Nothing committed: where a new consumer of Recall's topics begins.
		t = b.Current
		if t < 0 {
			t = b.LogStart
		}
	case FromFile:
		t = b.FromFile
	case ShiftBy:
		base := b.Current
		if base < 0 {
			// Nothing committed: shift from the start, where a new consumer of Recall's
			// topics begins (auto.offset.reset=earliest).
			base = b.LogStart
		}
		t = base + s.Shift
	}
	return min(max(t, b.LogStart), b.LogEnd)
}

func (p *Plan) sort() {
	sort.Slice(p.Partitions, func(i, j int) bool {
		a, b := p.Partitions[i], p.Partitions[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		return a.Partition < b.Partition
	})
}

// Changes counts the partitions whose offset the plan moves.
func (p *Plan) Changes() int {
	n := 0
	for _, pt := range p.Partitions {
		if pt.Current != pt.Target {
			n++
		}
	}
	return n
}

// WriteTable prints the plan for people.
func (p *Plan) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "GROUP\tTOPIC\tPARTITION\tCURRENT\tLOG-START\tLOG-END\tTARGET\n")
	for _, pt := range p.Partitions {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%d\n", p.Group, pt.Topic, pt.Partition,
			offsetText(pt.Current), pt.LogStart, pt.LogEnd, pt.Target)
	}
	return tw.Flush()
}

// WriteCSV writes the plan as kafka-consumer-groups --export does (topic,partition,offset
// per line), so the file also feeds that tool's --from-file.
func (p *Plan) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	for _, pt := range p.Partitions {
		if err := cw.Write([]string{pt.Topic, strconv.Itoa(int(pt.Partition)), strconv.FormatInt(pt.Target, 10)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func offsetText(o int64) string {
	if o < 0 {
		return "-"
	}
	return strconv.FormatInt(o, 10)
}
