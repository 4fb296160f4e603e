// Package kafkaauth is how every Recall process that speaks Kafka or the schema
// registry authenticates and encrypts: TLS (a CA, a client certificate and key, a
// server name) and SASL (SCRAM-SHA-256, SCRAM-SHA-512, PLAIN) for the brokers; TLS and
// HTTP basic auth for the registry. One Config, bound to the same flags and
// environment twins in the relay, the projector, the replayer and the bench:
//
//	var auth kafkaauth.Config
//	auth.Flags(fs)                  // --kafka-tls-ca-file … (env RECALL_KAFKA_…)
//	err := auth.Validate()
//	kopts, err := auth.KafkaOpts()  // append to kgo.NewClient's options
//	sopts, err := auth.RegistryOpts() // append to sr.NewClient's options
//
// Passwords are read from the environment only (envflag.Secret): a flag's value
// shows in ps. The zero Config is plaintext without SASL, the embedded run's.
package kafkaauth
