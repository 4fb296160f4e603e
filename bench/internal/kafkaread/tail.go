package kafkaread

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Tailer reports every record appended to a topic after it started.
type Tailer struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Tail consumes topic from the end offsets it lists first, so nothing produced after Tail
// returns is missed, and calls fn for each record, from one goroutine, with the time the
// fetch returned. FetchMaxWait is short: kfake, like Kafka, answers a fetch as soon as a
// byte is there, and the wait only matters when nothing is. opts are as NewAdmin's.
func Tail(ctx context.Context, brokers []string, topic string, fn func(Record), opts ...kgo.Opt) (*Tailer, error) {
	start, err := endOffsets(ctx, brokers, topic, opts)
	if err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(append(opts, kgo.SeedBrokers(brokers...), kgo.FetchMaxWait(50*time.Millisecond),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}))...)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	t := &Tailer{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		defer cl.Close()
		for {
			fs := cl.PollFetches(runCtx)
			if runCtx.Err() != nil || errors.Is(fs.Err0(), kgo.ErrClientClosed) {
				return
			}
			now := time.Now()
			fs.EachRecord(func(r *kgo.Record) { fn(fromKgo(r, now)) })
		}
	}()
	return t, nil
}

func endOffsets(ctx context.Context, brokers []string, topic string, opts []kgo.Opt) (map[int32]kgo.Offset, error) {
	cl, err := kgo.NewClient(append(opts, kgo.SeedBrokers(brokers...))...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("kafkaread: end offsets: %w", err)
	}
	out := map[int32]kgo.Offset{}
	offs.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			out[o.Partition] = kgo.NewOffset().At(o.Offset)
		}
	})
	if len(out) == 0 {
		return nil, fmt.Errorf("kafkaread: topic %s has no partitions (is the relay running?)", topic)
	}
	return out, nil
}

// Stop ends the tail and waits for its goroutine.
func (t *Tailer) Stop() {
	t.cancel()
	<-t.done
}
