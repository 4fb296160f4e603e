-- Dead letters become a queue ops can work (replayer dlq list|show|retry|discard):
-- a stable id to name one by, the record itself (key, value, headers) so a retry
-- needs neither the DLQ topic nor the source topic's retention, the failure history
-- (attempts, first and last failure), a fixed error kind for metrics, and how the
-- letter was resolved. Resolved rows stay: they are the audit trail, with who and why
-- in the replayer's ops_log.
ALTER TABLE projector_dead_letters
    ADD COLUMN id              bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN error_kind      text        NOT NULL DEFAULT 'apply'
        CHECK (error_kind IN ('decode', 'apply', 'attempts', 'blocked')),
    ADD COLUMN attempts        int         NOT NULL DEFAULT 1 CHECK (attempts > 0),
    ADD COLUMN last_failed_at  timestamptz,
    ADD COLUMN record_key      bytea,
    ADD COLUMN record_value    bytea,
    ADD COLUMN record_headers  jsonb,
    ADD COLUMN resolved_at     timestamptz,
    ADD COLUMN resolution      text CHECK (resolution IN ('retried', 'discarded')),
    ADD COLUMN resolved_by     text,
    ADD COLUMN resolve_reason  text,
    ADD CONSTRAINT projector_dead_letters_resolved CHECK ((resolved_at IS NULL) = (resolution IS NULL));
UPDATE projector_dead_letters SET last_failed_at = dead_at;
ALTER TABLE projector_dead_letters ALTER COLUMN last_failed_at SET NOT NULL,
    ALTER COLUMN last_failed_at SET DEFAULT now();
-- dead_at is the first failure.
COMMENT ON COLUMN projector_dead_letters.dead_at IS 'first failure';
CREATE UNIQUE INDEX projector_dead_letters_id ON projector_dead_letters (id);
CREATE INDEX projector_dead_letters_open ON projector_dead_letters (projection, error_kind) WHERE resolved_at IS NULL;

---- create above / drop below ----
DROP INDEX projector_dead_letters_open;
DROP INDEX projector_dead_letters_id;
ALTER TABLE projector_dead_letters
    DROP CONSTRAINT projector_dead_letters_resolved,
    DROP COLUMN id, DROP COLUMN error_kind, DROP COLUMN attempts, DROP COLUMN last_failed_at,
    DROP COLUMN record_key, DROP COLUMN record_value, DROP COLUMN record_headers,
    DROP COLUMN resolved_at, DROP COLUMN resolution, DROP COLUMN resolved_by, DROP COLUMN resolve_reason;
