// Package measure holds the harness's measurements, one file each, each next to the
// baseline it is judged against in the same run:
//
//   - Throughput (a): UpdateUser over HTTP at N clients beside raw eventstore appends of
//     the same-size event at the same concurrency;
//   - Drain (b): the relay draining a backlog beside pg_recvlogical on a second slot of
//     the same publication, with the relay's peak RSS;
//   - Latency (c): open-loop commit→Kafka and command→read-model latency;
//   - Replay (d): the users projection rebuilt from offset zero, with the projector's
//     peak RSS;
//   - Load (e): a 10k-event aggregate rebuilt with and without a snapshot.
//
// Measurements take a *rig.Rig and return plain result structs (JSON-ready); they never
// judge the figures: the report puts goals next to them.
package measure
