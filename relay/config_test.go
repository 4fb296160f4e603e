package relay_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/recall-events/recall/ops/envflag"
	"github.com/recall-events/recall/relay"
)

func parse(t *testing.T, args []string, env map[string]string) (relay.Config, error) {
	t.Helper()
	c := relay.DefaultConfig()
	fs := pflag.NewFlagSet("relay", pflag.ContinueOnError)
	c.Flags(fs)
	return c, envflag.Parse(fs, args, func(k string) string { return env[k] })
}

func TestFlagsOverEnvironmentOverDefaults(t *testing.T) {
	env := map[string]string{
		"DATABASE_URL":               "postgres://u@db:5432/recall",
		"RECALL_KAFKA_BROKERS":       "k1:9092, k2:9092",
		"RECALL_TOPIC_PARTITIONS":    "6",
		"RECALL_RELAY_LINGER":        "2ms",
		"RECALL_SCHEMA_REGISTRY_URL": "http://sr:8081",
		"RECALL_RELAY_LISTEN":        "0.0.0.0:9101", // the deprecated name still works
	}
	c, err := parse(t, []string{"--partitions", "24", "--slot", "relay_b"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != env["DATABASE_URL"] || len(c.KafkaBrokers) != 2 || c.KafkaBrokers[1] != "k2:9092" ||
		c.Partitions != 24 || c.Slot != "relay_b" || c.Linger != 2*time.Millisecond || c.Listen != "0.0.0.0:9101" ||
		c.TopicPrefix != "recall" || c.Source != "/recall/eventstore" {
		t.Fatalf("config %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c, _ := parse(t, []string{"--kafka-brokers", "old:9092"}, nil); len(c.KafkaBrokers) != 1 || c.KafkaBrokers[0] != "old:9092" {
		t.Fatalf("--kafka-brokers (deprecated spelling of --brokers): %v", c.KafkaBrokers)
	}
}

func TestEnvironmentProblemsComeTogether(t *testing.T) {
	_, err := parse(t, nil, map[string]string{"RECALL_TOPIC_PARTITIONS": "many", "RECALL_RELAY_LINGER": "soon"})
	for _, want := range []string{"RECALL_TOPIC_PARTITIONS", "RECALL_RELAY_LINGER"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
	if _, err := parse(t, []string{"--nope"}, nil); err == nil {
		t.Fatal("unknown flag accepted")
	}
}

func TestValidateJoinsEveryProblem(t *testing.T) {
	c := relay.DefaultConfig()
	c.KafkaBrokers = []string{"no-port"}
	c.SchemaRegistryURL = "ftp://x"
	c.Slot = "Bad-Slot"
	c.Partitions = 0
	c.Compression = "brotli"
	c.MaxInFlight = 0
	err := c.Validate()
	if err == nil {
		t.Fatal("invalid config passed")
	}
	for _, want := range []string{"no-port", "ftp://x", "Bad-Slot", "partitions 0", "brotli", "max in flight"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if err := relay.DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}
