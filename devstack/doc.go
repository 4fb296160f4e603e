// Package devstack starts Recall's real Kafka-side dependencies on one machine, for tests
// and for `make run`: kfake as the Kafka broker (StartKafka) and franz-go's srfake as the
// schema registry served over HTTP (StartRegistry). The private PostgreSQL cluster is in
// the postgres subpackage, and per-test databases in pgtest.
//
//	k, err := devstack.StartKafka(ctx, devstack.KafkaOptions{Addr: "127.0.0.1:0", DataDir: dir})
//	defer k.Close()
//	brokers := k.Addrs()
//
// The module is a leaf: it imports no Recall module, so every module's tests can use it.
package devstack
