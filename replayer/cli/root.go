package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kslog"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/ops/kafkaauth"
	"github.com/recall-events/recall/replayer/opslog"
)

// globals are the flags every command shares, defaulted from the environment.
type globals struct {
	brokers     []string
	databaseURL string
	output      string
	actor       string
	timeout     time.Duration
	auth        kafkaauth.Config
	stdout      io.Writer
	stderr      io.Writer
}

// Execute runs the replayer with args and returns the process exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return ExecuteWithInput(ctx, args, os.Stdin, stdout, stderr)
}

// ExecuteWithInput is Execute reading confirmations from stdin.
func ExecuteWithInput(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetIn(stdin)
	return envflag.ExecuteContext(ctx, root, args, os.Getenv)
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "replayer",
		Short:         "Recall's ops CLI: rewind consumer groups, rebuild projections, republish events",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return g.validate()
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetGlobalNormalizationFunc(kafkaToolNames)
	f := root.PersistentFlags()
	g.brokers = []string{"127.0.0.1:9092"}
	f.Var(envflag.NewList(&g.brokers), "brokers", "Kafka seed brokers, comma-separated; alias --bootstrap-server")
	f.StringVar(&g.databaseURL, "database-url", "postgres://postgres@127.0.0.1:55432/recall?sslmode=disable", "PostgreSQL URL: ops_log, projections, event store")
	f.StringVarP(&g.output, "output", "o", "table", "output format: table or json")
	f.StringVar(&g.actor, "actor", "", "who runs this, recorded in ops_log; empty: the OS user")
	f.DurationVar(&g.timeout, "timeout", 30*time.Second, "timeout of each Kafka or database request")
	envflag.Bind(f, "brokers", "RECALL_KAFKA_BROKERS")
	envflag.Bind(f, "database-url", "DATABASE_URL")
	envflag.Bind(f, "output", "RECALL_OUTPUT")
	envflag.Bind(f, "actor", "RECALL_ACTOR")
	envflag.Bind(f, "timeout", "RECALL_TIMEOUT")
	g.auth.Flags(f)
	root.AddCommand(newOffsetsCmd(g))
	root.AddCommand(newProjectionCmd(g))
	root.AddCommand(newRepublishCmd(g))
	root.AddCommand(newStreamCmd(g))
	root.AddCommand(newDLQCmd(g))
	return root
}

func (g *globals) validate() error {
	if g.actor == "" {
		g.actor = currentUser()
	}
	var errs []error
	if g.output != "table" && g.output != "json" {
		errs = append(errs, fmt.Errorf("--output %q: want table or json", g.output))
	}
	if len(g.brokers) == 0 {
		errs = append(errs, errors.New("--brokers is empty"))
	}
	if g.actor == "" {
		errs = append(errs, errors.New("--actor is empty and no user name is known: say who you are"))
	}
	if g.timeout <= 0 {
		errs = append(errs, errors.New("--timeout must be positive"))
	}
	errs = append(errs, g.auth.Validate())
	return errors.Join(errs...)
}

func (g *globals) kafka() (*kgo.Client, *kadm.Client, error) {
	auth, err := g.auth.KafkaOpts()
	if err != nil {
		return nil, nil, err
	}
	cl, err := kgo.NewClient(append(auth, kgo.SeedBrokers(g.brokers...), kgo.RequestTimeoutOverhead(g.timeout),
		kgo.WithLogger(kslog.New(g.kafkaLog())))...)
	if err != nil {
		return nil, nil, fmt.Errorf("kafka client: %w", err)
	}
	adm := kadm.NewClient(cl)
	adm.SetTimeoutMillis(int32(g.timeout.Milliseconds()))
	return cl, adm, nil
}

// kafkaLog is where the Kafka clients' warnings and errors go: stderr, so an
// unreachable broker says so instead of only timing out.
func (g *globals) kafkaLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func (g *globals) opsLog(ctx context.Context) (*opslog.Log, error) {
	l, err := opslog.Open(ctx, g.databaseURL)
	if err != nil {
		return nil, fmt.Errorf("ops_log (every executed operation is recorded; check --database-url): %w", err)
	}
	return l, nil
}

// print writes v as JSON with -o json, else through table.
func (g *globals) print(v any, table func(io.Writer) error) error {
	if g.output == "json" {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	return table(g.stdout)
}

// kafkaToolNames lets kafka-consumer-groups' --bootstrap-server name the brokers.
func kafkaToolNames(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if name == "bootstrap-server" {
		name = "brokers"
	}
	return pflag.NormalizedName(name)
}

func currentUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}
