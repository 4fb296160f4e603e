package publish_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/relay/publish"
)

// TestClientMetricsAndLogs: the producer's franz-go client reports kprom's
// metrics on the injected registry, labelled client=relay, logs through the
// injected slog logger, and takes its metrics away when it closes.
func TestClientMetricsAndLogs(t *testing.T) {
	ctx := context.Background()
	k, err := devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	reg := prometheus.NewPedanticRegistry()
	var logs lockedBuffer // the client logs from its own goroutines while the test reads
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := publish.New(publish.Options{Brokers: k.Addrs(), Partitions: 1, Logger: log, Metrics: publish.NewMetrics(reg)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.EnsureTopics(ctx, []string{"t"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Client().ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	// franz-go runs its produce hooks (OnProduceBatchWritten: produce_bytes_total) after
	// it handles the response, on its own goroutine, so they may land just after
	// ProduceSync returns: each series gets until the deadline to appear.
	deadline := time.Now().Add(10 * time.Second)
	for _, name := range []string{"connects_total", "produce_bytes_total", "request_duration_e2e_seconds", "write_bytes_total"} {
		name = publish.KafkaNamespace + "_" + name
		for {
			n, err := testutil.GatherAndCount(reg, name)
			if err == nil && n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s: %d series, %v", name, n, err)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP recall_kafka_connect_errors_total Total number of connection errors
# TYPE recall_kafka_connect_errors_total counter
`), "recall_kafka_connect_errors_total"); err != nil {
		t.Error(err)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if strings.HasPrefix(f.GetName(), publish.KafkaNamespace) && f.GetMetric()[0].GetLabel()[0].GetValue() != "relay" {
			t.Errorf("%s: labels %v, want client=relay first", f.GetName(), f.GetMetric()[0].GetLabel())
		}
	}
	if !strings.Contains(logs.String(), "level=DEBUG") {
		t.Errorf("no franz-go client logs reached the slog logger:\n%s", logs.String())
	}
	p.Close()
	if n, _ := testutil.GatherAndCount(reg, publish.KafkaNamespace+"_connects_total"); n != 0 {
		t.Errorf("closed client still exports %d connects_total series", n)
	}
}

// lockedBuffer is a bytes.Buffer safe to write from the client's goroutines and read
// from the test's.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
