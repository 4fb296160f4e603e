// Package publish produces the relay's records to Kafka with franz-go: idempotent,
// acks=all, batched with a short linger, partitioned by murmur2 of the key as Kafka's own
// clients do (so every client agrees which partition holds an aggregate), onto topics it
// creates when missing with retention.ms=-1.
//
//	p, err := publish.New(publish.Options{Brokers: []string{"127.0.0.1:9092"}}, builder)
//	err = p.EnsureTopics(ctx, []string{"recall.user.events"})
//	p.Publish(ctx, event, "16/B374D848", func(err error) { ... })
//	p.Close()
//
// With Options.Tracer set (tracing on), a record whose event carries a traceparent gets a
// producer span, a child of that context, ended at Kafka's ack; the record's traceparent
// header then names that span, so consumers continue the request's trace from the relay.
// It is the one header that then differs from a republished copy of the event: it is
// outside the record signature (ce_* and recall_* headers).
package publish
