-- Every operation the replayer executed: who, what, when, the plan, and how it ended.
CREATE TABLE IF NOT EXISTS ops_log (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text        NOT NULL,
    operation   text        NOT NULL,
    args        json        NOT NULL,
    plan        json,
    outcome     text        NOT NULL,
    error       text
);
CREATE INDEX IF NOT EXISTS ops_log_at ON ops_log (at);
