package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/twmb/franz-go/pkg/kfake"
)

// DefaultKafkaAddr is where the embedded run's broker listens.
const DefaultKafkaAddr = "127.0.0.1:9092"

// ErrKafka wraps every failure to start the embedded broker.
var ErrKafka = errors.New("devstack: kafka")

// KafkaOptions configures StartKafka.
type KafkaOptions struct {
	// Addr is host:port to listen on; default DefaultKafkaAddr. Use
	// "127.0.0.1:0" for a free port (tests). The address is also what the
	// broker advertises, so give a concrete host, not 0.0.0.0.
	Addr string
	// DataDir persists topics, records, offsets and transactions; a broker
	// started again on the same DataDir has them all (it survives SIGKILL
	// too). Empty: memory only.
	DataDir string
	// Topics are created at start when missing (also on a DataDir that
	// already has other topics), each with Partitions partitions.
	Topics []string
	// Partitions of each seeded topic; default 12, the relay's default.
	Partitions int32
}

// Kafka is a one-broker kfake cluster speaking the Kafka protocol on a real
// TCP port.
type Kafka struct {
	cluster *kfake.Cluster
}

// StartKafka starts the broker. Retention is off (log.retention.ms=-1):
// Recall's topics are its replayable history, and kfake enforces retention
// like Kafka does. Topic auto-creation stays off, as in production, so a
// misspelled topic fails loudly instead of silently creating a new one.
func StartKafka(ctx context.Context, opts KafkaOptions) (*Kafka, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKafka, err)
	}
	addr := opts.Addr
	if addr == "" {
		addr = DefaultKafkaAddr
	}
	partitions := opts.Partitions
	if partitions <= 0 {
		partitions = 12
	}
	kopts := []kfake.Opt{
		kfake.NumBrokers(1),
		// kfake binds 127.0.0.1:<port>; listening ourselves honours the
		// host of addr and reports a clear error for a taken port.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, addr)
		}),
		kfake.BrokerConfigs(map[string]string{"log.retention.ms": "-1"}),
	}
	if opts.DataDir != "" {
		kopts = append(kopts, kfake.DataDir(opts.DataDir))
	}
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("%w: start broker on %s: %w", ErrKafka, addr, err)
	}
	// kfake.SeedTopics only applies to a fresh cluster; a reloaded DataDir
	// skips it, so create what is missing here instead.
	for _, t := range opts.Topics {
		if c.TopicInfo(t) != nil {
			continue
		}
		if err := c.CreateTopic(t, partitions, map[string]string{"retention.ms": "-1"}); err != nil {
			c.Close()
			return nil, fmt.Errorf("%w: create topic %s: %w", ErrKafka, t, err)
		}
	}
	return &Kafka{cluster: c}, nil
}

// Addrs are the seed brokers for clients (kgo.SeedBrokers).
func (k *Kafka) Addrs() []string { return k.cluster.ListenAddrs() }

// Cluster exposes kfake for tests that inject faults or inspect groups.
func (k *Kafka) Cluster() *kfake.Cluster { return k.cluster }

// Close stops the broker and, with a DataDir, flushes its state to disk.
func (k *Kafka) Close() { k.cluster.Close() }
