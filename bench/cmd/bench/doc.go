// Command bench measures Recall end to end and prints a markdown table; see the harness
// package for what and in which order.
//
//	go run ./cmd/bench                          # small profile, < 2 min
//	go run ./cmd/bench -profile full -doc ../docs/benchmarks.md -json ../.data/bench.json
//	RECALL_BENCH_API_URL=… go run ./cmd/bench -attach -only ace
//
// Attached, the harness's Kafka clients take the services' RECALL_KAFKA_TLS* and
// RECALL_KAFKA_SASL_* variables (ops/kafkaauth).
package main
