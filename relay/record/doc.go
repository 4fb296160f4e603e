// Package record turns a stored event into the Kafka record of Recall's Kafka contract
// (README, "Kafka topic reference"): topic <prefix>.<aggregate_type>.events, key = aggregate id, value =
// Confluent-framed Avro, CloudEvents headers in binary mode plus recall_revision,
// recall_global_position, recall_commit_lsn and traceparent.
//
// The relay publishes with it and the replayer republishes with it, so a republished
// event is byte-identical to the original (given the same schema ids and commit LSN).
//
//	b, err := record.NewBuilder(record.Options{TopicPrefix: "recall"}, registered)
//	rec, err := b.Build(event, "16/B374D848")
//	client.Produce(ctx, rec, nil)
package record
