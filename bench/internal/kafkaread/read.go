package kafkaread

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/recall-events/recall/relay/record"
)

// Topic is the users' event topic of the embedded default.
const Topic = "recall.user.events"

// Record is what the checks need of one Kafka record.
type Record struct {
	Partition int32
	Offset    int64
	Key       string // aggregate id
	ID        string // ce_id, the event id
	Revision  int64
	Seen      time.Time // when this consumer got it
}

func fromKgo(r *kgo.Record, seen time.Time) Record {
	rev, _ := strconv.ParseInt(string(record.Header(r, record.HeaderRevision)), 10, 64)
	return Record{Partition: r.Partition, Offset: r.Offset, Key: string(r.Key),
		ID: string(record.Header(r, record.HeaderID)), Revision: rev, Seen: seen}
}

// Admin lists offsets and manages groups over one long-lived connection, so that polling
// it every 100 ms costs no reconnects.
type Admin struct {
	cl  *kgo.Client
	adm *kadm.Client
}

// NewAdmin connects to brokers; opts are the connection's security (kafkaauth: TLS,
// SASL) on an attached Recall. Close it.
func NewAdmin(brokers []string, opts ...kgo.Opt) (*Admin, error) {
	cl, err := kgo.NewClient(append(opts, kgo.SeedBrokers(brokers...))...)
	if err != nil {
		return nil, err
	}
	return &Admin{cl: cl, adm: kadm.NewClient(cl)}, nil
}

// Close closes the connection.
func (a *Admin) Close() { a.cl.Close() }

// Records is the sum over topic's partitions of the end offsets: how many records Kafka
// holds, duplicates included. A missing topic counts 0.
func (a *Admin) Records(ctx context.Context, topic string) (int64, error) {
	offs, err := a.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("kafkaread: end offsets: %w", err)
	}
	var sum int64
	offs.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			sum += o.Offset
		}
	})
	return sum, nil
}

// DeleteGroup forgets a consumer group's committed offsets (the group must be empty), so
// that its next member starts from its reset offset: a replay from offset zero.
func (a *Admin) DeleteGroup(ctx context.Context, group string) error {
	res, err := a.adm.DeleteGroup(ctx, group)
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return fmt.Errorf("kafkaread: delete group %s: %w", group, err)
	}
	return nil
}

// All reads topic from offset zero until it has seen want distinct ce_ids and every
// partition it fetched up to its high watermark (so the duplicates of a redelivered tail
// are counted too), or until ctx ends: then it returns what it has and ctx's error.
// Records come in partition order. opts are as NewAdmin's.
func All(ctx context.Context, brokers []string, topic string, want int, opts ...kgo.Opt) ([]Record, error) {
	cl, err := kgo.NewClient(append(opts, kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200*time.Millisecond))...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var out []Record
	ids := map[string]struct{}{}
	pos, hwm := map[int32]int64{}, map[int32]int64{}
	for len(ids) < want || !caughtUp(pos, hwm) {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return out, fmt.Errorf("kafkaread: %d distinct of %d: %w", len(ids), want, ctx.Err())
		}
		now := time.Now()
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			if p.Err == nil {
				hwm[p.Partition] = max(hwm[p.Partition], p.HighWatermark)
			}
			for _, r := range p.Records {
				rec := fromKgo(r, now)
				out = append(out, rec)
				ids[rec.ID] = struct{}{}
				pos[p.Partition] = r.Offset + 1
			}
		})
	}
	return out, nil
}

func caughtUp(pos, hwm map[int32]int64) bool {
	for p, h := range hwm {
		if pos[p] < h {
			return false
		}
	}
	return true
}
