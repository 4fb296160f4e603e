package publish_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/devstack"
	"github.com/recall-events/recall/relay/publish"
)

// A backlog (records piling up behind a slow or restarted broker) fills the producer's
// batches to their limit, and franz-go applies that limit before compression. Sealed
// personal fields are random base64 and compress only ≈ 2.5×, so a batch of the
// former 4 MiB limit reached the broker at ≈ 1.6 MB, past Kafka's (and kfake's)
// default message.max.bytes of 1 MiB: MESSAGE_TOO_LARGE for every record in it (found
// by an outside review; with the refusal counted as delivered, thousands of events
// were lost). Every record of such a backlog must be accepted.
func TestABacklogOfIncompressibleRecordsIsAccepted(t *testing.T) {
	ctx := context.Background()
	k, err := devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	// A long linger stands in for the backlog: everything below is buffered before the
	// first batch leaves, so batches fill to their limit.
	p, err := publish.New(publish.Options{Brokers: k.Addrs(), Partitions: 1, Linger: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Client().Close)
	if err := p.EnsureTopics(ctx, []string{"backlog"}); err != nil {
		t.Fatal(err)
	}
	const n, size = 8000, 600 // ≈ 4.8 MB of values, as sealed events carry
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed int
	var first error
	for range n {
		raw := make([]byte, size*3/4)
		_, _ = rand.Read(raw)
		wg.Add(1)
		p.Client().Produce(ctx, &kgo.Record{Topic: "backlog", Key: []byte("k"), Value: []byte(base64.RawURLEncoding.EncodeToString(raw))},
			func(_ *kgo.Record, err error) {
				defer wg.Done()
				if err != nil {
					mu.Lock()
					failed++
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			})
	}
	wg.Wait()
	if failed > 0 {
		t.Fatalf("%d of %d records refused; first: %v", failed, n, first)
	}
}
