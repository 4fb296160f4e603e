package republish

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// Printing a plan for people, apart from working it out (plan.go): the CLI prints it as
// this table or as JSON.

// WriteTable prints p for people.
func (p *Plan) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "job\t%s\n", p.Job)
	fmt.Fprintf(tw, "positions\t%d..%d", p.From, p.To)
	if p.Resumed {
		fmt.Fprintf(tw, " (resuming at %d; %d events published before)", p.Start, p.Done)
	}
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "events\t%d\n", p.Events)
	if p.Finished {
		fmt.Fprintln(tw, "state\tfinished: nothing left to publish")
	}
	if p.Unmapped > 0 {
		fmt.Fprintf(tw, "unpublished\t%d (first at position %d)%s\n", p.Unmapped, p.FirstUnmapped, p.unmappedNote())
		if p.NoCommitsTable {
			fmt.Fprintln(tw, "\t(relay_commits does not exist: the relay predates it, or never ran on this database)")
		}
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "AGGREGATE TYPE\tEVENTS\tSOURCE TOPIC\tPARTITIONS\tTARGET TOPIC\tPARTITIONS\tACTION")
	for _, t := range p.Topics {
		action := "produce"
		if t.Create {
			action = "create topic, produce"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\n", t.AggregateType, t.Events, t.Source, partitions(t.SourcePartitions), t.Target, t.Partitions, action)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, t := range p.Topics {
		if t.Warning != "" {
			fmt.Fprintf(w, "warning: %s\n", t.Warning)
		}
	}
	return nil
}

func (p *Plan) unmappedNote() string {
	if p.AllowUnpublished {
		return "; stamped with the current WAL position " + p.WALPosition
	}
	return "; refused without --allow-unpublished"
}

func partitions(n int32) string {
	if n == 0 {
		return "missing"
	}
	return strconv.Itoa(int(n))
}
