-- Password hashes, never in an event. One row per user stream; username is copied here so
-- login can find the row without the read model, and active follows delete/restore so a
-- deleted user's old username can be taken (and logged in with) by someone else.
CREATE TABLE credentials (
    user_id    uuid        PRIMARY KEY,
    username   text        NOT NULL,
    hash       text        NOT NULL,
    active     boolean     NOT NULL DEFAULT true,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- The event store's claims already make active usernames unique; this index makes login
-- a single lookup and guards the invariant a second time.
CREATE UNIQUE INDEX credentials_active_username ON credentials (username) WHERE active;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recall_api') THEN
        CREATE ROLE recall_api NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT SELECT, INSERT, UPDATE ON credentials TO recall_api;
