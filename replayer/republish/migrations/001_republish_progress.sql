-- Progress of each republish job: the last global_position whose record Kafka has acked
-- (from_position - 1 before the first), so `replayer republish --resume` continues after
-- it. A job is a fixed position range, chosen when it starts.
CREATE TABLE IF NOT EXISTS republish_progress (
    job            text        PRIMARY KEY,
    from_position  bigint      NOT NULL,
    to_position    bigint      NOT NULL,
    aggregate_type text        NOT NULL DEFAULT '',
    to_topic       text        NOT NULL DEFAULT '',
    last_position  bigint      NOT NULL,
    events         bigint      NOT NULL DEFAULT 0,
    started_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz
);
