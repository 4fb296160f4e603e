package envflag_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/recall-events/recall/ops/envflag"
)

type config struct {
	Listen  string
	Brokers []string
	Wait    time.Duration
	Level   slog.Level
	Count   int
}

func (c *config) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "listen address")
	fs.Var(envflag.NewList(&c.Brokers), "brokers", "seed brokers, comma-separated")
	fs.DurationVar(&c.Wait, "wait", c.Wait, "how long")
	fs.Var(envflag.NewLevel(&c.Level), "log-level", "debug, info, warn, error")
	fs.IntVar(&c.Count, "count", c.Count, "how many")
	envflag.Bind(fs, "listen", "RECALL_LISTEN_ADDR", "RECALL_OLD_LISTEN")
	envflag.Bind(fs, "brokers", "RECALL_KAFKA_BROKERS")
	envflag.Bind(fs, "wait", "RECALL_WAIT")
	envflag.Bind(fs, "log-level", "RECALL_LOG_LEVEL")
	envflag.Bind(fs, "count", "RECALL_COUNT")
}

func defaults() config {
	return config{Listen: "127.0.0.1:1", Brokers: []string{"127.0.0.1:9092"}, Wait: time.Second}
}

func parse(t *testing.T, args []string, env map[string]string) (config, error) {
	t.Helper()
	c := defaults()
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c.flags(fs)
	return c, envflag.Parse(fs, args, func(k string) string { return env[k] })
}

func TestFlagOverEnvOverDefault(t *testing.T) {
	c, err := parse(t, []string{"--wait", "3s"}, map[string]string{
		"RECALL_WAIT": "9s", "RECALL_KAFKA_BROKERS": " k1:9092, ,k2:9092", "RECALL_LOG_LEVEL": "debug",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Wait != 3*time.Second || !slices.Equal(c.Brokers, []string{"k1:9092", "k2:9092"}) || c.Level != slog.LevelDebug || c.Listen != "127.0.0.1:1" {
		t.Fatalf("%+v", c)
	}
	if c, _ := parse(t, nil, nil); !equal(c, defaults()) {
		t.Fatalf("defaults: %+v", c)
	}
}

func equal(a, b config) bool {
	return a.Listen == b.Listen && slices.Equal(a.Brokers, b.Brokers) && a.Wait == b.Wait && a.Level == b.Level && a.Count == b.Count
}

func TestDeprecatedAlias(t *testing.T) {
	c, _ := parse(t, nil, map[string]string{"RECALL_OLD_LISTEN": "0.0.0.0:2"})
	if c.Listen != "0.0.0.0:2" {
		t.Fatalf("alias not read: %q", c.Listen)
	}
	c, _ = parse(t, nil, map[string]string{"RECALL_OLD_LISTEN": "0.0.0.0:2", "RECALL_LISTEN_ADDR": "0.0.0.0:3"})
	if c.Listen != "0.0.0.0:3" {
		t.Fatalf("the twin must win over its alias: %q", c.Listen)
	}
}

func TestApplyReportsEveryProblem(t *testing.T) {
	_, err := parse(t, nil, map[string]string{"RECALL_WAIT": "soon", "RECALL_COUNT": "many", "RECALL_LOG_LEVEL": "loud"})
	for _, want := range []string{"RECALL_WAIT", "RECALL_COUNT", "RECALL_LOG_LEVEL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}
}

func command(ran *config) (*cobra.Command, *bytes.Buffer, *bytes.Buffer) {
	c := defaults()
	cmd := &cobra.Command{Use: "svc", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error {
		*ran = c
		if c.Count < 0 {
			return errors.New("negative")
		}
		return nil
	}}
	c.flags(cmd.Flags())
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	return cmd, &out, &errOut
}

func TestExecute(t *testing.T) {
	var ran config
	cmd, out, _ := command(&ran)
	if code := envflag.Execute(cmd, []string{"--help"}, func(string) string { return "" }); code != envflag.ExitOK {
		t.Fatalf("--help exit %d", code)
	}
	for _, want := range []string{"Usage:", "--listen", "(env RECALL_LISTEN_ADDR)", `(default "127.0.0.1:1")`, "--brokers", "(env RECALL_KAFKA_BROKERS)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out)
		}
	}
	cmd, _, errOut := command(&ran)
	if code := envflag.Execute(cmd, []string{"--nope"}, func(string) string { return "" }); code != envflag.ExitUsage || !strings.Contains(errOut.String(), "--help") {
		t.Fatalf("unknown flag: exit %d, %q", code, errOut)
	}
	cmd, _, _ = command(&ran)
	if code := envflag.Execute(cmd, nil, env{"RECALL_COUNT": "x"}.get); code != envflag.ExitUsage {
		t.Fatalf("bad env: exit %d", code)
	}
	cmd, _, _ = command(&ran)
	if code := envflag.Execute(cmd, []string{"--count", "-1"}, func(string) string { return "" }); code != envflag.ExitError {
		t.Fatalf("failing run: exit %d", code)
	}
	cmd, _, _ = command(&ran)
	if code := envflag.Execute(cmd, nil, env{"RECALL_COUNT": "7"}.get); code != envflag.ExitOK || ran.Count != 7 {
		t.Fatalf("env not applied: exit %d, %+v", code, ran)
	}
}

type env map[string]string

func TestSubcommandsInheritTheEnvironment(t *testing.T) {
	var got string
	var validated bool
	root := &cobra.Command{Use: "root", PersistentPreRunE: func(*cobra.Command, []string) error {
		validated = got == "" // the hook sees the environment already applied
		return nil
	}}
	var listen string
	root.PersistentFlags().StringVar(&listen, "listen", "a", "")
	envflag.Bind(root.PersistentFlags(), "listen", "RECALL_LISTEN_ADDR")
	root.AddCommand(&cobra.Command{Use: "sub", RunE: func(*cobra.Command, []string) error { got = listen; return nil }})
	root.SetContext(context.Background())
	if code := envflag.Execute(root, []string{"sub"}, env{"RECALL_LISTEN_ADDR": "b"}.get); code != 0 || got != "b" || !validated {
		t.Fatalf("exit %d, listen %q, hook ran %v", code, got, validated)
	}
}

func TestUnbound(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c := defaults()
	c.flags(fs)
	fs.Bool("orphan", false, "")
	if got := envflag.Unbound(fs); !slices.Equal(got, []string{"orphan"}) {
		t.Fatalf("%v", got)
	}
}

func (e env) get(k string) string { return e[k] }

func TestAlias(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c := defaults()
	c.flags(fs)
	envflag.Alias(fs, "kafka-brokers", "brokers")
	if err := envflag.Parse(fs, []string{"--kafka-brokers", "a:1"}, env{"RECALL_KAFKA_BROKERS": "b:2"}.get); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Brokers, []string{"a:1"}) {
		t.Fatalf("the old spelling must set --brokers and win over the environment: %v", c.Brokers)
	}
}

func TestSecretIsEnvironmentOnly(t *testing.T) {
	var password string
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	envflag.Secret(fs, &password, "smtp-password", "RECALL_SMTP_PASSWORD")
	if err := envflag.Parse(fs, nil, env{"RECALL_SMTP_PASSWORD": "s3cret"}.get); err != nil || password != "s3cret" {
		t.Fatalf("%q %v", password, err)
	}
	if err := envflag.Parse(fs, []string{"--smtp-password", "x"}, env{}.get); err == nil || !strings.Contains(err.Error(), "RECALL_SMTP_PASSWORD") {
		t.Fatalf("a secret on the command line: %v", err)
	}
	if rows := envflag.Rows(fs); len(rows) != 0 {
		t.Fatalf("a secret is no documented flag: %v", rows)
	}
}
