// Package projection is the projector's runtime: it consumes a topic in a
// Kafka consumer group and hands each partition's records, decoded and in
// offset order, to a Handler, committing offsets only for what the Handler
// durably handled or what went to the dead-letter topic.
//
//	r, err := projection.New(projection.Config{
//		Name: "users.v1", Group: "recall.projector.users.v1", Topic: "recall.user.events",
//		DLQTopic: "recall.projector.users.v1.dlq", Brokers: brokers,
//		Decoder: schemas.NewDecoder(srClient), Handler: usersProjection,
//		Pool: pool, Metrics: metrics, Logger: logger,
//	})
//	err = r.Run(ctx) // until ctx ends: finishes the batch, commits, leaves the group
//
// # The loop
//
// Each poll's partitions are processed concurrently, one goroutine each; a
// Handler gets a whole partition batch at once (the users projection applies it
// in one PostgreSQL transaction). Offsets are committed after the handlers
// return, with rebalances blocked while a poll is in hand
// (kgo.BlockRebalanceOnPoll), so a partition never moves to another member in
// the middle of a batch. Delivery is at-least-once: a crash between the
// database commit and the offset commit redelivers, and handlers skip what
// they already applied (revision ≤ stored).
//
// # Failures
//
// What stops a partition batch is classified (see Classify):
//
//   - a gap (*GapError: revision > stored+1) is never skipped: the partition
//     is paused, rewound to the record and resumed after an exponential
//     backoff, with recall_projector_gaps_total and a warning log each time. It
//     recovers when the missing revision has been applied (e.g. it arrives on
//     another partition after a repartitioning, or ops republish and rewind).
//     One exception: when an earlier revision of the same aggregate was
//     dead-lettered, the aggregate can never continue, so its later records
//     follow it to the dead-letter topic instead of stopping the partition.
//   - transient errors (database or registry unreachable, serialization
//     failures) pause, rewind and retry with backoff, without limit;
//   - record errors (the database refused this record, a schema id the
//     registry does not know) retry MaxAttempts times, then dead-letter;
//   - poison (not Confluent framing, malformed Avro, an unknown event type or
//     version, data the projection cannot read: ErrPoison) dead-letters at once.
//
// A dead-lettered record is copied (key, value, headers) to the DLQ topic
// <group>.dlq with recall_dlq_* headers naming the original topic, partition,
// offset, the error, the projection and the group, and recorded in
// projector_dead_letters; then the partition moves on. The DLQ write is
// acknowledged before the offset commit, so a crash may dead-letter a record
// twice but never loses one. The row keeps the record itself and a fixed
// error kind (ErrorKind); ops work the rows with `replayer dlq` (list, show,
// retry through this projection's Handler, discard), and OpenDeadLetters
// exports the unresolved ones. When rows are resolved the replayer notifies
// readmodel.DeadLetterChannel, and a Runner with a partition paused on a gap
// retries it at once rather than at the end of its backoff.
//
// Backoff is exponential with jitter: retry n waits a random duration in
// [Base/2, min(Max, Base·2ⁿ)], and the count resets when the partition makes
// progress.
//
// Tracing: with Config.Tracer set, every record carrying a traceparent header (the relay's
// producer span) gets a consumer span, its child, for the time its batch takes; Traced
// hands the Handler those spans' contexts, the parents of its own (the users projection's
// database write). Without a Tracer nothing is parsed.
package projection
