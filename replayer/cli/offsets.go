package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/recall-events/recall/replayer/offsets"
	"github.com/recall-events/recall/replayer/opslog"
)

func newOffsetsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "offsets", Short: "Inspect and reset consumer-group offsets"}
	cmd.AddCommand(newDescribeCmd(g), newResetCmd(g))
	return cmd
}

func newDescribeCmd(g *globals) *cobra.Command {
	var group string
	var topicFlags []string
	cmd := &cobra.Command{
		Use:   "describe --group G",
		Short: "Show a group's state, members and, per partition, committed offset, log start, log end and lag",
		RunE: func(cmd *cobra.Command, _ []string) error {
			topics, err := offsets.ParseTopics(topicFlags)
			if err != nil {
				return err
			}
			cl, adm, err := g.kafka()
			if err != nil {
				return err
			}
			defer cl.Close()
			d, err := offsets.NewAdmin(adm).Describe(cmd.Context(), group, topics)
			if err != nil {
				return err
			}
			return g.print(d, d.WriteTable)
		},
	}
	cmd.Flags().StringVar(&group, "group", "", "consumer group (required)")
	cmd.Flags().StringArrayVar(&topicFlags, "topic", nil, "topic, or topic:p1,p2 (repeatable; default: the group's topics)")
	_ = cmd.MarkFlagRequired("group")
	return cmd
}

func newResetCmd(g *globals) *cobra.Command {
	var (
		group      string
		topicFlags []string
		spec       offsets.SpecFlags
		execute    bool
		export     string
	)
	cmd := &cobra.Command{
		Use:   "reset --group G (--to-earliest | --to-latest | --to-offset N | --to-datetime T | --by-duration PT1H | --shift-by ±N) [--execute]",
		Short: "Plan (default) or execute a reset of a group's offsets, as kafka-consumer-groups --reset-offsets",
		Long: `Without --execute, reset only prints the plan: the current and the target offset of every
partition. With --execute it commits the targets and records the operation in ops_log. It refuses
while the group has active members: stop the consumers first (they would overwrite the reset).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := offsets.ParseSpec(spec)
			if err != nil {
				return err
			}
			topics, err := offsets.ParseTopics(topicFlags)
			if err != nil {
				return err
			}
			cl, adm, err := g.kafka()
			if err != nil {
				return err
			}
			defer cl.Close()
			admin := offsets.NewAdmin(adm)
			plan, err := admin.Plan(cmd.Context(), group, topics, s)
			if err != nil {
				return err
			}
			if export != "" {
				if err := writeExport(export, g.stdout, plan); err != nil {
					return err
				}
			}
			if err := g.print(plan, plan.WriteTable); err != nil {
				return err
			}
			if !execute {
				fmt.Fprintf(g.stderr, "dry run: %d partition(s) would move; nothing changed. Add --execute to apply.\n", plan.Changes())
				return nil
			}
			ops, err := g.opsLog(cmd.Context())
			if err != nil {
				return err
			}
			defer ops.Close()
			runErr := admin.Apply(cmd.Context(), plan)
			entry := opslog.Entry{Actor: g.actor, Operation: "offsets reset", Plan: plan,
				Args: map[string]any{"group": group, "topics": topicFlags, "spec": s.String()}}
			if err := ops.Record(cmd.Context(), entry, runErr); err != nil {
				return fmt.Errorf("%w (reset error: %v)", err, runErr)
			}
			if runErr != nil {
				return runErr
			}
			fmt.Fprintf(g.stderr, "reset executed: %d partition(s) moved; recorded in ops_log.\n", plan.Changes())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&group, "group", "", "consumer group (required)")
	f.StringArrayVar(&topicFlags, "topic", nil, "topic, or topic:p1,p2 (repeatable; default: the group's topics)")
	f.BoolVar(&spec.ToEarliest, "to-earliest", false, "reset to the log start")
	f.BoolVar(&spec.ToLatest, "to-latest", false, "reset to the log end")
	f.StringVar(&spec.ToOffset, "to-offset", "", "reset to offset N (clamped to the log)")
	f.StringVar(&spec.ToDatetime, "to-datetime", "", "reset to the first record at or after this RFC 3339 instant")
	f.StringVar(&spec.ByDuration, "by-duration", "", "reset to the first record at or after now minus an ISO 8601 duration (PT1H)")
	f.StringVar(&spec.ShiftBy, "shift-by", "", "move the committed offsets by ±N")
	f.BoolVar(&execute, "execute", false, "apply the plan (default: print it only)")
	f.StringVar(&export, "export", "", "write the plan as CSV (topic,partition,offset) to this file, or - for stdout")
	_ = cmd.MarkFlagRequired("group")
	return cmd
}

func writeExport(path string, stdout io.Writer, plan *offsets.Plan) error {
	if path == "-" {
		return plan.WriteCSV(stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--export: %w", err)
	}
	if err := plan.WriteCSV(f); err != nil {
		f.Close()
		return fmt.Errorf("--export: %w", err)
	}
	return f.Close()
}
