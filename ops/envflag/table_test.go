package envflag_test

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/recall-events/recall/ops/envflag"
)

const readme = "# svc\n\n### svc\n\nIntro.\n\n" +
	"| flag | env | default | meaning |\n|---|---|---|---|\n" +
	"| `--listen` | `RECALL_LISTEN_ADDR` | `127.0.0.1:1` | where |\n" +
	"| `--brokers` | `RECALL_KAFKA_BROKERS` | `127.0.0.1:9092` | seeds |\n" +
	"| `--wait` | `RECALL_WAIT` | `1s` (one second) | how long |\n" +
	"| `--log-level` | `RECALL_LOG_LEVEL` | `info` | level |\n" +
	"| `--count` | `RECALL_COUNT` | `0` | how many |\n" +
	"| — | `RECALL_SECRET` | — | env only |\n\nAfter.\n"

func flagSet() *pflag.FlagSet {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c := defaults()
	c.flags(fs)
	return fs
}

func TestCheckTable(t *testing.T) {
	if err := envflag.CheckTable([]byte(readme), "### svc", flagSet()); err != nil {
		t.Fatal(err)
	}
	drifted := strings.NewReplacer("`RECALL_WAIT`", "`RECALL_DELAY`", "`0`", "`32`",
		"| `--log-level` | `RECALL_LOG_LEVEL` | `info` | level |\n", "", "--brokers", "--kafka-brokers").Replace(readme)
	err := envflag.CheckTable([]byte(drifted), "### svc", flagSet())
	for _, want := range []string{"--wait: documented env", "--count: documented default", "--log-level: not documented",
		"--kafka-brokers: documented but not a flag", "--brokers: not documented", "| `--count` | `RECALL_COUNT` | `0` |"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if err := envflag.CheckTable([]byte(readme), "### other", flagSet()); err == nil {
		t.Error("a missing section passed")
	}
}
