// Package publish produces the relay's records to Kafka with franz-go: idempotent,
// acks=all, batched with a short linger, partitioned by murmur2 of the key as Kafka's own
// clients do (so every client agrees which partition holds an aggregate), onto topics it
// creates when missing with retention.ms=-1.
//
//	p, err := publish.New(publish.Options{Brokers: []string{"127.0.0.1:9092"}}, builder)
//	err = p.EnsureTopics(ctx, []string{"recall.user.events"})
//	p.Publish(ctx, event, "16/B374D848", func(err error) { ... })
//	p.Close()
package publish
