-- One row per projection version. The replayer reads and changes it (rebuild,
-- promote, retire); the query side reads which version is live. Offsets live in
-- Kafka under consumer_group; nothing here depends on them.
CREATE TABLE projections (
    name           text        NOT NULL,
    version        int         NOT NULL CHECK (version > 0),
    state          text        NOT NULL CHECK (state IN ('building', 'live', 'retired')),
    consumer_group text        NOT NULL UNIQUE,
    topic          text        NOT NULL,
    tables         text[]      NOT NULL,
    dlq_topic      text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    promoted_at    timestamptz,
    retired_at     timestamptz,
    dropped_at     timestamptz,
    PRIMARY KEY (name, version)
);

-- At most one live version per projection: promotion is one transaction that
-- retires the old row and promotes the new one.
CREATE UNIQUE INDEX projections_one_live ON projections (name) WHERE state = 'live';

-- Every record a projection dead-lettered. Besides telling ops what was lost,
-- it lets a projection dead-letter the later events of the same aggregate
-- (they can never apply in order) instead of stopping the whole partition.
CREATE TABLE projector_dead_letters (
    projection     text        NOT NULL,
    topic          text        NOT NULL,
    partition      int         NOT NULL,
    record_offset  bigint      NOT NULL,
    aggregate_id   text        NOT NULL,
    revision       bigint      NOT NULL,
    error          text        NOT NULL,
    dead_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, topic, partition, record_offset)
);
CREATE INDEX projector_dead_letters_aggregate ON projector_dead_letters (projection, aggregate_id);

---- create above / drop below ----
DROP TABLE projector_dead_letters;
DROP TABLE projections;
