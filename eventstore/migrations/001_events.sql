-- The event log: append-only, one gapless revision sequence per stream.
-- data and metadata are json, not jsonb: they keep the exact bytes written, and the relay's
-- walsender decodes json rows about a third faster than jsonb (see shared/DESIGN.md).
CREATE TABLE events (
    event_id        uuid        NOT NULL UNIQUE,
    aggregate_type  text        NOT NULL CHECK (aggregate_type <> ''),
    aggregate_id    uuid        NOT NULL,
    revision        bigint      NOT NULL CHECK (revision > 0),
    event_type      text        NOT NULL CHECK (event_type <> ''),
    schema_version  integer     NOT NULL CHECK (schema_version > 0),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    data            json        NOT NULL,
    metadata        json        NOT NULL,
    global_position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    CONSTRAINT events_stream_revision UNIQUE (aggregate_id, revision)
);

-- Time travel reads a stream up to an instant.
CREATE INDEX events_stream_recorded_at ON events (aggregate_id, recorded_at);

CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable: % on events is refused', TG_OP
        USING ERRCODE = 'RC001',
              HINT = 'append a new event that corrects the old one instead';
END
$$;

CREATE TRIGGER events_immutable_rows BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_immutable_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- The relay streams inserts only; nothing else can happen to the table anyway.
CREATE PUBLICATION recall_events FOR TABLE events WITH (publish = 'insert');
