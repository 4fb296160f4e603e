package relay_test

import (
	"strings"
	"testing"
	"time"

	"github.com/recall-events/recall/relay"
)

func TestParseConfigLayers(t *testing.T) {
	env := map[string]string{
		"DATABASE_URL":               "postgres://u@db:5432/recall",
		"RECALL_KAFKA_BROKERS":       "k1:9092, k2:9092",
		"RECALL_TOPIC_PARTITIONS":    "6",
		"RECALL_RELAY_LINGER":        "2ms",
		"RECALL_SCHEMA_REGISTRY_URL": "http://sr:8081",
	}
	c, err := relay.ParseConfig([]string{"-partitions", "24", "-slot", "relay_b"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != env["DATABASE_URL"] || len(c.KafkaBrokers) != 2 || c.KafkaBrokers[1] != "k2:9092" ||
		c.Partitions != 24 || c.Slot != "relay_b" || c.Linger != 2*time.Millisecond || c.Listen != "127.0.0.1:9101" ||
		c.TopicPrefix != "recall" || c.Source != "/recall/eventstore" {
		t.Fatalf("config %+v", c)
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
	if _, err := relay.ParseConfig([]string{"-nope"}, func(string) string { return "" }); err == nil {
		t.Fatal("unknown flag accepted")
	}
}
