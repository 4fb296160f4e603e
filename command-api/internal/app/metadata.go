package app

import "github.com/recall-events/recall/eventstore"

// metadata is the metadata column of every event of env's command: who (from the
// authenticated actor, never the body), why, and the ids that tie it to its request.
func metadata(env Envelope) eventstore.Metadata {
	m := eventstore.Metadata{
		ActorID: env.Actor.ActorID(), ActorRole: env.Actor.Role,
		Reason: env.Meta.Reason, CorrelationID: env.Meta.CorrelationID, CausationID: env.Meta.CausationID,
		RequestID: env.Meta.RequestID, Traceparent: env.Meta.Traceparent,
	}
	if env.Idempotency != nil {
		m.IdempotencyKey = env.Idempotency.Key
	}
	return m
}
