// Package offsets plans and applies consumer-group offset resets with the vocabulary of
// kafka-consumer-groups: to earliest, to latest, to an offset, to a datetime, by a
// duration, or shifted by ±N.
//
// A reset is two steps so that ops can read before they write: Plan computes, for each
// partition, the current committed offset and the target (clamped to the partition's log
// start and end), and Apply commits the targets, refusing while the group has members:
// a running consumer would overwrite the new offsets with its own on its next commit.
//
//	spec, _ := offsets.ParseSpec(offsets.SpecFlags{ToDatetime: "2026-03-15T15:47:00Z"})
//	plan, _ := offsets.NewPlanner(adm).Plan(ctx, "recall.projector.users.v1", nil, spec)
//	plan.WriteTable(os.Stdout) // current → target per partition
//	err := offsets.Apply(ctx, adm, plan)
package offsets
