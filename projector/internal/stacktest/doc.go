// Package stacktest starts what the projector's integration tests need besides
// PostgreSQL (which devstack/pgtest provides): a kfake broker and an srfake
// registry with Recall's schemas registered, and builds Kafka records exactly as
// the Kafka contract (README, "Kafka topic reference") says the relay does (key = aggregate id,
// Confluent-framed Avro value, CloudEvents ce_* headers plus recall_revision,
// recall_global_position, recall_commit_lsn).
//
// The relay's own record package (relay/record) builds the same records; it is
// not imported here so that the projector module, which command-api imports
// for readmodel, does not pull in the relay module.
package stacktest
