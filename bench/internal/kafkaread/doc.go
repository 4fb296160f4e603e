// Package kafkaread reads Recall's event topic the way a downstream consumer does, for
// the harness: the sum of end offsets (has the relay drained a backlog?), every record
// from offset zero with the headers the checks need (ce_id, recall_revision), and a tail
// that reports each new record as it arrives (latency).
//
//	n, err := kafkaread.EndOffsets(ctx, brokers, kafkaread.Topic)
//	recs, err := kafkaread.All(ctx, brokers, kafkaread.Topic, want)
//	t, err := kafkaread.Tail(ctx, brokers, kafkaread.Topic, func(r kafkaread.Record) { ... })
package kafkaread
