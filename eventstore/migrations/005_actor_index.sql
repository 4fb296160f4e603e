-- The actor's view ("what did this admin change?") reads events by metadata->>'actor_id',
-- newest first. metadata is json, not jsonb (the relay decodes json rows faster), so the
-- index is on the expression; global_position orders the answer and is its cursor.
CREATE INDEX events_actor_position ON events ((metadata->>'actor_id'), global_position DESC);

---- create above / drop below ----
DROP INDEX events_actor_position;
