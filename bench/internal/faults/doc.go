// Package faults proves that Recall loses nothing when its parts crash, with production
// defaults (no shortened session timeout): under a closed-loop command load over HTTP
// (503s and broken connections retried under the same Idempotency-Key) it SIGKILLs and
// restarts the relay every few seconds, SIGKILLs and restarts the projector, restarts
// PostgreSQL, SIGKILLs the broker process and restarts it on its data, and SIGSTOPs the
// relay for a few seconds; once the load stops it requires the read model to reflect
// every committed event within the profile's bound (10 s), no answer 5xx other than 503,
// and checks the delivery invariants (README, "Kafka topic reference"):
//
//   - every committed event (the events table) is in Kafka, deduplicated by ce_id, and
//     Kafka holds no event the store does not;
//   - per aggregate, revisions arrive in order; a repeat is allowed only as a copy of an
//     earlier revision (the unacked tail redelivered after a crash);
//   - every command that got a 2xx is in the store, with the revision it was told;
//   - the read model matches the store (each user at its stream's last revision) and
//     equals a fresh rebuild from offset zero (users v2, a new group);
//
// and reports the counts (committed, delivered, duplicates, lost = 0). TestFaultsSmall
// runs in `make test`; TestFaultsLong in `make test-faults`.
package faults
