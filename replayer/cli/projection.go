package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/recall-events/recall/replayer/opslog"
	"github.com/recall-events/recall/replayer/rebuild"
)

func newProjectionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "projection",
		Short: "Rebuild projections: blue/green (rebuild, status, promote, retire) or in place (reset)",
	}
	cmd.AddCommand(newStatusCmd(g), newRebuildCmd(g), newPromoteCmd(g), newRetireCmd(g), newProjectionResetCmd(g))
	return cmd
}

// session opens what projection commands need: the read-model database, Kafka, ops_log.
type session struct {
	pool *pgxpool.Pool
	mgr  *rebuild.Manager
	ops  *opslog.Log
	stop func()
}

func (g *globals) session(ctx context.Context) (*session, error) {
	pool, err := pgxpool.New(ctx, g.databaseURL)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	cl, adm, err := g.kafka()
	if err != nil {
		pool.Close()
		return nil, err
	}
	ops, err := g.opsLog(ctx)
	if err != nil {
		cl.Close()
		pool.Close()
		return nil, err
	}
	return &session{pool: pool, mgr: rebuild.New(pool, adm), ops: ops,
		stop: func() { ops.Close(); cl.Close(); pool.Close() }}, nil
}

// inSession runs a command with a session that is closed when it returns.
func (g *globals) inSession(run func(*cobra.Command, *session, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		s, err := g.session(cmd.Context())
		if err != nil {
			return err
		}
		defer s.stop()
		return run(cmd, s, args)
	}
}

// record writes the outcome of an executed operation to ops_log and returns runErr.
func (g *globals) record(ctx context.Context, s *session, op string, args map[string]any, plan any, runErr error) error {
	if err := s.ops.Record(ctx, opslog.Entry{Actor: g.actor, Operation: op, Args: args, Plan: plan}, runErr); err != nil {
		return fmt.Errorf("%w (operation error: %v)", err, runErr)
	}
	return runErr
}

func newStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status [name]",
		Short: "Each version's state, consumer group, lag and members",
		Args:  cobra.MaximumNArgs(1),
		RunE: g.inSession(func(cmd *cobra.Command, s *session, args []string) error {
			name := "users"
			if len(args) == 1 {
				name = args[0]
			}
			st, err := s.mgr.Status(cmd.Context(), name)
			if err != nil {
				return err
			}
			return g.print(st, func(w io.Writer) error { return statusTable(w, st) })
		}),
	}
}

func statusTable(w io.Writer, st []rebuild.VersionStatus) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tSTATE\tGROUP\tLAG\tMEMBERS\tTABLES")
	for _, v := range st {
		state, lag := string(v.State), fmt.Sprint(v.Lag)
		if v.DroppedAt != nil {
			state = "dropped"
		}
		if v.Lag < 0 {
			lag = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%s\n", v.Name, v.Version.Version, state, v.ConsumerGroup, lag, len(v.Members), strings.Join(v.Tables, ","))
	}
	return tw.Flush()
}

func newRebuildCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "rebuild <name>",
		Short: "Create the next version (building): the running projector fills it from offset zero while the live one serves",
		Args:  cobra.ExactArgs(1),
		RunE: g.inSession(func(cmd *cobra.Command, s *session, args []string) error {
			v, err := s.mgr.Start(cmd.Context(), args[0])
			if err := g.record(cmd.Context(), s, "projection rebuild", map[string]any{"name": args[0]}, v, err); err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "%s v%d is building (group %s, tables %s).\nFollow it with `replayer projection status %s`; promote with `replayer projection promote %s --version %d`.\n",
				v.Name, v.Version, v.ConsumerGroup, strings.Join(v.Tables, ","), v.Name, v.Name, v.Version)
			return g.print(v, func(w io.Writer) error { _, err := fmt.Fprintf(w, "%s v%d building\n", v.Name, v.Version); return err })
		}),
	}
}

func newPromoteCmd(g *globals) *cobra.Command {
	var version int
	var maxLag int64
	var force bool
	cmd := &cobra.Command{
		Use:   "promote <name> --version N",
		Short: "Switch the query side to version N atomically, when its lag is under --max-lag (or --force)",
		Args:  cobra.ExactArgs(1),
		RunE: g.inSession(func(cmd *cobra.Command, s *session, args []string) error {
			st, err := s.mgr.Promote(cmd.Context(), args[0], version, maxLag, force)
			err = g.record(cmd.Context(), s, "projection promote",
				map[string]any{"name": args[0], "version": version, "max_lag": maxLag, "force": force}, map[string]any{"lag": st.Lag}, err)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "%s v%d is live (lag was %d). Retire the old version with `replayer projection retire %s --version <old>`.\n", args[0], version, st.Lag, args[0])
			return nil
		}),
	}
	cmd.Flags().IntVar(&version, "version", 0, "version to promote (required)")
	cmd.Flags().Int64Var(&maxLag, "max-lag", 100, "refuse while the version's consumer lag exceeds this many records")
	cmd.Flags().BoolVar(&force, "force", false, "promote whatever the lag")
	_ = cmd.MarkFlagRequired("version")
	return cmd
}

func newRetireCmd(g *globals) *cobra.Command {
	var version int
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "retire <name> --version N",
		Short: "Stop consuming version N, drop its tables and delete its consumer group (never the live version)",
		Args:  cobra.ExactArgs(1),
		RunE: g.inSession(func(cmd *cobra.Command, s *session, args []string) error {
			st, err := s.mgr.Drop(cmd.Context(), args[0], version, wait)
			err = g.record(cmd.Context(), s, "projection retire", map[string]any{"name": args[0], "version": version},
				map[string]any{"tables": st.Tables, "group": st.ConsumerGroup}, err)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "%s v%d retired: tables %s dropped, group %s deleted.\n", args[0], version, strings.Join(st.Tables, ","), st.ConsumerGroup)
			return nil
		}),
	}
	cmd.Flags().IntVar(&version, "version", 0, "version to retire (required)")
	cmd.Flags().DurationVar(&wait, "wait", 30*time.Second, "how long to wait for the projector to leave the version's group")
	_ = cmd.MarkFlagRequired("version")
	return cmd
}

func newProjectionResetCmd(g *globals) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "reset <name>",
		Short: "In-place rebuild: rewind the live version's group to earliest and empty its tables (projector stopped)",
		Long: `reset stops nothing itself: stop the projector first (it refuses while the group has members;
on make run, Ctrl-C it and start it as "make run RECALL_WITHOUT=projector"), then start it again
to rebuild the read model from offset zero. Queries answer from an empty, then
partial read model until it has caught up; use rebuild/promote for no downtime.`,
		Args: cobra.ExactArgs(1),
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if !yes && !confirm(cmd.InOrStdin(), g.stderr, args[0]) {
				return fmt.Errorf("not confirmed; nothing changed (pass --yes to skip the question)")
			}
			return nil
		},
		RunE: g.inSession(func(cmd *cobra.Command, s *session, args []string) error {
			plan, err := s.mgr.Reset(cmd.Context(), args[0])
			if err := g.record(cmd.Context(), s, "projection reset", map[string]any{"name": args[0]}, plan, err); err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "%s reset: group rewound to earliest, tables emptied. Start the projector to rebuild (make run: restart it without RECALL_WITHOUT).\n", args[0])
			return g.print(plan, plan.WriteTable)
		}),
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	return cmd
}

func confirm(in io.Reader, out io.Writer, name string) bool {
	fmt.Fprintf(out, "This empties the %s read model and rewinds its consumer group to offset zero.\nType the projection name (%s) to go on: ", name, name)
	line, _ := bufio.NewReader(in).ReadString('\n')
	return strings.TrimSpace(line) == name
}
