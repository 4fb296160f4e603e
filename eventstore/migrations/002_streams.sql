-- One row per stream: its type and current revision. Appends lock this row, which
-- serialises writers of one stream and makes the optimistic check and the gapless
-- revision assignment a single statement.
CREATE TABLE streams (
    aggregate_id   uuid   PRIMARY KEY,
    aggregate_type text   NOT NULL,
    revision       bigint NOT NULL CHECK (revision >= 0)
);

-- Unique values (username, email, ...) held by a stream. A claim is taken in the same
-- transaction as the events that need it; the primary key makes exactly one claimer win.
CREATE TABLE unique_claims (
    kind         text        NOT NULL,
    value        text        NOT NULL,
    aggregate_id uuid        NOT NULL,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, value)
);
CREATE INDEX unique_claims_owner ON unique_claims (aggregate_id);

-- Stored responses of idempotent requests, written in the transaction of their events.
CREATE TABLE idempotency_keys (
    scope       text        NOT NULL,
    key         text        NOT NULL,
    fingerprint bytea       NOT NULL,
    response    bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Snapshots are a cache of an aggregate's state at a revision; state_version lets a
-- changed aggregate ignore snapshots it can no longer read.
CREATE TABLE snapshots (
    aggregate_id   uuid        NOT NULL,
    revision       bigint      NOT NULL CHECK (revision > 0),
    aggregate_type text        NOT NULL,
    state_version  integer     NOT NULL,
    state          json        NOT NULL,
    as_of          timestamptz NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate_id, revision)
);
