package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/recall-events/recall/eventstore/subjectkeys"
	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/readmodel"
	"github.com/recall-events/recall/replayer/dlq"
	"github.com/recall-events/recall/replayer/opslog"
	"github.com/recall-events/recall/schemas"
)

// dlqFlags are the flags every dlq command shares.
type dlqFlags struct {
	registryURL string
}

func newDLQCmd(g *globals) *cobra.Command {
	f := &dlqFlags{}
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "Work the projections' dead letters: list, show, retry, discard",
		Long: `Dead letters are records a projection could not apply (projector_dead_letters). list and show
read them; retry re-applies an aggregate's dead letters in revision order through the projection's
own apply path; discard marks them resolved without applying. retry and discard only print their
plan unless --execute is given; executed, they are recorded in ops_log.`,
	}
	fl := cmd.PersistentFlags()
	fl.StringVar(&f.registryURL, "schema-registry-url", "http://127.0.0.1:8081", "Confluent-API schema registry, to decode records")
	envflag.Bind(fl, "schema-registry-url", "RECALL_SCHEMA_REGISTRY_URL")
	cmd.AddCommand(newDLQListCmd(g), newDLQShowCmd(g, f), newDLQRetryCmd(g, f), newDLQDiscardCmd(g))
	return cmd
}

// withDLQ opens the read-model database (and the registry when f is given)
// for one command.
func (g *globals) withDLQ(f *dlqFlags, run func(context.Context, *dlq.Works, *pgxpool.Pool) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		pool, err := pgxpool.New(ctx, g.databaseURL)
		if err != nil {
			return fmt.Errorf("database: %w", err)
		}
		defer pool.Close()
		var dec *schemas.Decoder
		if f != nil {
			cl, err := sr.NewClient(sr.URLs(f.registryURL))
			if err != nil {
				return fmt.Errorf("schema registry: %w", err)
			}
			dec = schemas.NewDecoder(cl)
		}
		var w *dlq.Works
		if dec == nil {
			w = dlq.New(pool, nil)
		} else {
			w = dlq.New(pool, dec)
		}
		// Retries of sealed events open them with the people's keys, as the projector
		// does; the KEK is a secret, so it comes from the environment only.
		if v := os.Getenv("RECALL_KEK"); v != "" {
			kek, err := subjectkeys.ParseKEK(v)
			if err != nil {
				return fmt.Errorf("RECALL_KEK: %w", err)
			}
			w.WithKeys(subjectkeys.New(pool, kek, subjectkeys.Options{}))
		}
		return run(ctx, w, pool)
	}
}

func newDLQListCmd(g *globals) *cobra.Command {
	var f readmodel.DeadLetterFilter
	var sinceFlag string
	var all bool
	cmd := &cobra.Command{
		Use:   "list [--projection P] [--aggregate ID] [--since T] [--all]",
		Short: "Open dead letters (--all: resolved ones too) with a summary per error kind",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := parseSince(sinceFlag, time.Now())
			if err != nil {
				return err
			}
			f.Since, f.OpenOnly = t, !all
			return g.withDLQ(nil, func(ctx context.Context, w *dlq.Works, _ *pgxpool.Pool) error {
				l, err := w.List(ctx, f)
				if err != nil {
					return err
				}
				return g.print(l, func(out io.Writer) error { return listTable(out, l) })
			})(cmd, args)
		},
	}
	cmd.Flags().StringVar(&f.Projection, "projection", "", "only this projection, e.g. users.v1")
	cmd.Flags().StringVar(&f.AggregateID, "aggregate", "", "only this aggregate id")
	cmd.Flags().StringVar(&sinceFlag, "since", "", "only those failed last at or after T (RFC 3339) or within a duration (1h)")
	cmd.Flags().BoolVar(&all, "all", false, "include retried and discarded dead letters")
	return cmd
}

// parseSince reads an RFC 3339 time or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("--since %q: want RFC 3339 or a duration", s)
	}
	return t, nil
}

func listTable(w io.Writer, l dlq.Listing) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROJECTION\tAGGREGATE\tREVISION\tKIND\tATTEMPTS\tFIRST FAILURE\tLAST FAILURE\tSTATUS\tERROR")
	for _, d := range l.DeadLetters {
		status := "open"
		if !d.Open() {
			status = d.Resolution
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\n", d.ID, d.Projection, d.AggregateID, d.Revision, d.Kind, d.Attempts,
			d.FirstFailedAt.UTC().Format(time.RFC3339), d.LastFailedAt.UTC().Format(time.RFC3339), status, short(d.Error, 80))
	}
	fmt.Fprintln(tw, "\nPROJECTION\tERROR KIND\tOPEN\tRESOLVED")
	for _, s := range l.Summary {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", s.Projection, s.Kind, s.Open, s.Resolved)
	}
	return tw.Flush()
}

func short(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func newDLQShowCmd(g *globals, f *dlqFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "One dead letter: the record decoded through the registry, its headers, the error and the projection's state of the aggregate",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("dead letter id %q: %w", args[0], err)
			}
			return g.withDLQ(f, func(ctx context.Context, w *dlq.Works, _ *pgxpool.Pool) error {
				s, err := w.Show(ctx, id)
				if err != nil {
					return err
				}
				return g.print(s, func(out io.Writer) error { return showText(out, s) })
			})(cmd, args)
		},
	}
}

func showText(w io.Writer, s dlq.Shown) error {
	fmt.Fprintf(w, "dead letter %d  %s  %s revision %d  (%s/%d@%d)\n", s.ID, s.Projection, s.AggregateID, s.Revision, s.Topic, s.Partition, s.Offset)
	fmt.Fprintf(w, "error (%s, %d attempts, first %s, last %s):\n  %s\n", s.Kind, s.Attempts,
		s.FirstFailedAt.UTC().Format(time.RFC3339), s.LastFailedAt.UTC().Format(time.RFC3339), s.Error)
	if !s.Open() {
		fmt.Fprintf(w, "resolved: %s by %s at %s: %s\n", s.Resolution, s.ResolvedBy, s.ResolvedAt.UTC().Format(time.RFC3339), s.Reason)
	}
	fmt.Fprintln(w, "headers:")
	for _, h := range s.Headers {
		fmt.Fprintf(w, "  %s: %s\n", h.Key, h.Value)
	}
	if s.Event != nil {
		fmt.Fprintf(w, "event: %s v%d revision %d recorded %s\n  data: %s\n  metadata: %s\n", s.Event.EventType, s.Event.SchemaVersion,
			s.Event.Revision, s.Event.RecordedAt.UTC().Format(time.RFC3339Nano), s.Event.Data, s.Event.Metadata)
	} else {
		fmt.Fprintf(w, "event: not decodable: %s\n", s.DecodeError)
	}
	state := string(s.State)
	if s.StateError != "" {
		state = "unknown: " + s.StateError
	}
	_, err := fmt.Fprintf(w, "projection state: %s\n", state)
	return err
}

// selectionFlags are how retry and discard name dead letters.
type selectionFlags struct {
	aggregate  string
	projection string
	all        bool
	execute    bool
}

func (s *selectionFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.aggregate, "aggregate", "", "every open dead letter of this aggregate")
	cmd.Flags().StringVar(&s.projection, "projection", "", "with --aggregate or --all: only this projection")
	cmd.Flags().BoolVar(&s.all, "all", false, "every open dead letter")
	cmd.Flags().BoolVar(&s.execute, "execute", false, "do it (default: print the plan only)")
}

func (s *selectionFlags) selection(args []string) (dlq.Selection, error) {
	sel := dlq.Selection{AggregateID: s.aggregate, Projection: s.projection, All: s.all}
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return sel, fmt.Errorf("dead letter id %q: %w", a, err)
		}
		sel.IDs = append(sel.IDs, id)
	}
	return sel, nil
}

func (s *selectionFlags) args(args []string) map[string]any {
	return map[string]any{"ids": args, "aggregate": s.aggregate, "projection": s.projection, "all": s.all}
}

func newDLQRetryCmd(g *globals, f *dlqFlags) *cobra.Command {
	var s selectionFlags
	cmd := &cobra.Command{
		Use:   "retry (ID... | --aggregate ID | --all) [--execute]",
		Short: "Re-apply dead letters through the projection's apply path, each aggregate's in revision order",
		Long: `retry takes, for every aggregate it names, all of that aggregate's open dead letters and applies
them in revision order through the projection's own Handler: one transaction, revisions already
applied are skipped, a gap stops. Applied (or already applied) ones are marked retried; the first
that fails again stays open with one more attempt. Fix the cause first. Safe to run twice.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			sel, err := s.selection(args)
			if err != nil {
				return err
			}
			return g.withDLQ(f, func(ctx context.Context, w *dlq.Works, _ *pgxpool.Pool) error {
				plan, err := w.PlanRetry(ctx, sel)
				if errors.Is(err, dlq.ErrNothingSelected) && !s.execute {
					fmt.Fprintln(g.stderr, "nothing to retry: no open dead letter selected")
					return nil
				}
				if err != nil {
					return err
				}
				if len(plan.Unsigned) > 0 {
					fmt.Fprintf(g.stderr, "not retried: dead letters %v failed their signature check (possibly forged); discard them\n", plan.Unsigned)
				}
				if !s.execute {
					fmt.Fprintf(g.stderr, "dry run: %d aggregate(s) would be retried; nothing changed. Add --execute to apply.\n", len(plan.Groups))
					return g.print(plan, func(out io.Writer) error { return retryPlanTable(out, plan) })
				}
				res, runErr := w.Retry(ctx, plan, g.actor)
				if err := g.recordOp(ctx, "dlq retry", s.args(args), map[string]any{"plan": plan, "outcomes": res}, runErr); err != nil {
					return err
				}
				if err := g.print(res, func(out io.Writer) error { return outcomesTable(out, res) }); err != nil {
					return err
				}
				for _, o := range res {
					if o.Result == dlq.FailedAgain {
						return fmt.Errorf("dead letter %d failed again: %s", o.ID, o.Error)
					}
				}
				return nil
			})(cmd, args)
		},
	}
	s.add(cmd)
	return cmd
}

func retryPlanTable(w io.Writer, p dlq.RetryPlan) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECTION\tAGGREGATE\tDEAD LETTERS\tREVISIONS")
	for _, gr := range p.Groups {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%v\n", gr.Projection, gr.AggregateID, gr.IDs, gr.Revisions)
	}
	return tw.Flush()
}

func outcomesTable(w io.Writer, res []dlq.Outcome) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROJECTION\tAGGREGATE\tREVISION\tRESULT\tERROR")
	for _, o := range res {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\n", o.ID, o.Projection, o.AggregateID, o.Revision, o.Result, short(o.Error, 80))
	}
	return tw.Flush()
}

func newDLQDiscardCmd(g *globals) *cobra.Command {
	var s selectionFlags
	var reason string
	var force bool
	cmd := &cobra.Command{
		Use:   "discard (ID... | --aggregate ID | --all) --reason R [--force] [--execute]",
		Short: "Mark dead letters resolved without applying them (kept for audit; who and why in ops_log)",
		Long: `discard refuses a dead letter whose aggregate has later open dead letters left out of the
selection: those can never apply without it. --force discards anyway; later revisions of that
aggregate will then be dead-lettered as blocked.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return errors.New("--reason is required: say why these records are given up")
			}
			sel, err := s.selection(args)
			if err != nil {
				return err
			}
			return g.withDLQ(nil, func(ctx context.Context, w *dlq.Works, _ *pgxpool.Pool) error {
				plan, err := w.PlanDiscard(ctx, sel, force)
				if err != nil {
					return err
				}
				if !s.execute {
					fmt.Fprintf(g.stderr, "dry run: %d dead letter(s) would be discarded; nothing changed. Add --execute to apply.\n", len(plan.IDs))
					return g.print(plan, func(out io.Writer) error { _, err := fmt.Fprintf(out, "discard %v\n", plan.IDs); return err })
				}
				n, runErr := w.Discard(ctx, plan, g.actor, reason)
				a := s.args(args)
				a["reason"], a["force"] = reason, force
				if err := g.recordOp(ctx, "dlq discard", a, plan, runErr); err != nil {
					return err
				}
				fmt.Fprintf(g.stderr, "%d dead letter(s) discarded.\n", n)
				return g.print(plan, func(out io.Writer) error { _, err := fmt.Fprintf(out, "discarded %v\n", plan.IDs); return err })
			})(cmd, args)
		},
	}
	s.add(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "why (required; recorded with the dead letters and in ops_log)")
	cmd.Flags().BoolVar(&force, "force", false, "discard even when later revisions depend on it")
	return cmd
}

// recordOp writes an executed operation to ops_log and returns runErr.
func (g *globals) recordOp(ctx context.Context, op string, args map[string]any, plan any, runErr error) error {
	ops, err := g.opsLog(ctx)
	if err != nil {
		return errors.Join(err, runErr)
	}
	defer ops.Close()
	if err := ops.Record(ctx, opslog.Entry{Actor: g.actor, Operation: op, Args: args, Plan: plan}, runErr); err != nil {
		return fmt.Errorf("%w (operation error: %v)", err, runErr)
	}
	return runErr
}
