// Package relay is Recall's change-data-capture process: it streams every event committed
// to the PostgreSQL event store from a logical replication slot to Kafka, in commit order,
// as Confluent-framed Avro with CloudEvents headers, and acknowledges the slot only up to
// what Kafka has acked (at-least-once; consumers dedupe by ce_id).
//
//	cfg := relay.DefaultConfig() // cmd/relay: cfg.Flags(fs), then envflag reads flags and env
//	err = relay.Run(ctx, cfg) // until ctx ends; SIGTERM in cmd/relay
//
// Run registers the schemas (fixed catalog order, so ids are stable), creates missing
// topics, serves /livez, /readyz and /metrics, and runs replication sessions one after
// another: a relay that finds the slot held by another stands by, retrying with backoff,
// and takes over when the other dies. The parts live in sub-packages: pgoutput (decoding),
// record (the Kafka record contract, shared with the replayer), publish (franz-go
// producer) and replication (slot, snapshot, acknowledgement).
package relay
