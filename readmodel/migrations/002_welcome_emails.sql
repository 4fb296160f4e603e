-- The welcome email's send log, keyed by the UserCreated event id and unique
-- per user. It belongs to no projection version: rebuilding users_vN never
-- touches it, so a rebuild never re-sends.
CREATE TABLE welcome_emails (
    event_id   uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL UNIQUE,
    email      text        NOT NULL,
    state      text        NOT NULL CHECK (state IN ('claimed', 'sent', 'failed')),
    attempts   int         NOT NULL DEFAULT 1,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    error      text
);

---- create above / drop below ----
DROP TABLE welcome_emails;
