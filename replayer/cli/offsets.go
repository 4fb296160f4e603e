package cli

import (
	"errors"
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
		dryRun     bool
		allTopics  bool
		export     string
	)
	cmd := &cobra.Command{
		Use:   "reset --group G (--to-earliest | --to-latest | --to-current | --to-offset N | --to-datetime T | --by-duration PT1H | --shift-by ±N | --from-file F) [--dry-run | --execute]",
		Short: "Plan (default) or execute a reset of a group's offsets, as kafka-consumer-groups --reset-offsets",
		Long: `Without --execute, reset only prints the plan: the current and the target offset of every
partition. With --execute it commits the targets and records the operation in ops_log. It refuses
while the group has active members: stop the consumers first (they would overwrite the reset).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				// --export takes its file optionally, so "--export plan.csv" arrives as
				// --export=- and an argument.
				if !cmd.Flags().Changed("export") || export != "-" {
					return fmt.Errorf("unexpected argument %q", args[0])
				}
				export = args[0]
			}
			if err := resetScope(execute, dryRun, allTopics, topicFlags); err != nil {
				return err
			}
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
	f.BoolVar(&allTopics, "all-topics", false, "every topic the group has committed offsets for (the default without --topic)")
	f.BoolVar(&spec.ToEarliest, "to-earliest", false, "reset to the log start")
	f.BoolVar(&spec.ToLatest, "to-latest", false, "reset to the log end")
	f.StringVar(&spec.ToOffset, "to-offset", "", "reset to offset N (clamped to the log)")
	f.StringVar(&spec.ToDatetime, "to-datetime", "", "reset to the first record at or after this RFC 3339 instant")
	f.StringVar(&spec.ByDuration, "by-duration", "", "reset to the first record at or after now minus an ISO 8601 duration (PT1H)")
	f.StringVar(&spec.ShiftBy, "shift-by", "", "move the committed offsets by ±N")
	f.BoolVar(&spec.ToCurrent, "to-current", false, "reset to the committed offsets (the log start where nothing is committed)")
	f.StringVar(&spec.FromFile, "from-file", "", "reset to the offsets of a CSV as --export writes it (topic,partition,offset); it names the partitions")
	f.BoolVar(&execute, "execute", false, "apply the plan (default: print it only)")
	f.BoolVar(&dryRun, "dry-run", false, "print the plan only (the default, said explicitly)")
	f.StringVar(&export, "export", "", "write the plan as CSV (topic,partition,offset) to this file; without a file (or -), to stdout")
	f.Lookup("export").NoOptDefVal = "-"
	_ = cmd.MarkFlagRequired("group")
	return cmd
}

// resetScope refuses flags that contradict each other, as kafka-consumer-groups does.
func resetScope(execute, dryRun, allTopics bool, topics []string) error {
	var errs []error
	if execute && dryRun {
		errs = append(errs, errors.New("give --dry-run or --execute, not both"))
	}
	if allTopics && len(topics) > 0 {
		errs = append(errs, errors.New("give --all-topics or --topic, not both"))
	}
	return errors.Join(errs...)
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
