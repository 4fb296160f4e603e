package rig_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/recall-events/recall/bench/internal/kafkaread"
	"github.com/recall-events/recall/bench/internal/rig"
)

// Issue 12, Medium 3: the bench's attach mode reaches a Kafka that demands SASL (and
// TLS) with the services' own settings (RECALL_KAFKA_*, ops/kafkaauth), and every
// kafkaread client uses them: without them the same broker refuses it.
func TestAttachUsesKafkaAuth(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-512", "bench", "bench-pw-1"), kfake.SeedTopics(2, kafkaread.Topic))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	env := map[string]string{
		"RECALL_BENCH_API_URL": "http://127.0.0.1:1", "RECALL_BENCH_BROKERS": strings.Join(c.ListenAddrs(), ","),
		// pgxpool connects lazily: nothing dials this.
		"RECALL_BENCH_DATABASE_URL":   "postgres://bench@127.0.0.1:1/recall",
		"RECALL_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "RECALL_KAFKA_SASL_USERNAME": "bench", "RECALL_KAFKA_SASL_PASSWORD": "bench-pw-1",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	records := func(r *rig.Rig) error {
		adm, err := kafkaread.NewAdmin(r.Brokers, r.KafkaOpts...)
		if err != nil {
			return err
		}
		defer adm.Close()
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		_, err = adm.Records(actx, kafkaread.Topic)
		return err
	}
	r, err := rig.Attach(ctx, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := records(r); err != nil {
		t.Fatalf("attached with SASL: %v", err)
	}
	tail, err := kafkaread.Tail(ctx, r.Brokers, kafkaread.Topic, func(kafkaread.Record) {}, r.KafkaOpts...)
	if err != nil {
		t.Fatalf("tail with SASL: %v", err)
	}
	tail.Stop()

	delete(env, "RECALL_KAFKA_SASL_MECHANISM")
	delete(env, "RECALL_KAFKA_SASL_USERNAME")
	delete(env, "RECALL_KAFKA_SASL_PASSWORD")
	bare, err := rig.Attach(ctx, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if err := records(bare); err == nil {
		t.Fatal("the broker served a client without credentials: the test proves nothing")
	}

	env["RECALL_KAFKA_TLS_CA_FILE"] = "/nonexistent/ca.pem"
	if _, err := rig.Attach(ctx, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "RECALL_KAFKA_TLS_CA_FILE") {
		t.Errorf("attach with an unreadable CA: %v, want an error naming RECALL_KAFKA_TLS_CA_FILE", err)
	}
}
