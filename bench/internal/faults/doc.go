// Package faults proves that Recall loses nothing when its parts crash: under a steady
// command load over HTTP it SIGKILLs and restarts the relay every few seconds, SIGKILLs
// and restarts the projector, restarts PostgreSQL and restarts the broker; once the load
// stops and the pipeline drains, it checks the delivery invariants (README, "Kafka topic reference"):
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
