-- Crypto-shredding keys. Every person (user stream) has one data key that seals the
-- personal fields of their events; it is stored wrapped (AES-256-GCM) by the
-- key-encryption key (KEK) from the configuration, never in plaintext. Deleting the row
-- forgets the person: the events, Kafka records, DLQ copies and backups that hold their
-- sealed fields can no longer be opened. kek_id says which KEK wrapped the row, so a KEK
-- rotation re-wraps rows without touching any event.
CREATE TABLE subject_keys (
    subject_id uuid        PRIMARY KEY,
    key_id     uuid        NOT NULL UNIQUE,
    wrapped    bytea       NOT NULL,
    kek_id     text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Server-wide keys, wrapped by the KEK like the data keys: the HMAC key of the unique
-- claims (claims hold keyed hashes of usernames and emails, never plaintext). It lives
-- here, not derived from the KEK, so rotating the KEK does not change a single claim.
CREATE TABLE server_keys (
    name       text        PRIMARY KEY,
    wrapped    bytea       NOT NULL,
    kek_id     text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recall_api') THEN
        CREATE ROLE recall_api NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
-- The API creates a key with UserCreated and deletes it with UserForgotten; only a KEK
-- rotation (an operator's job, as the migrating user) updates rows.
GRANT SELECT, INSERT, DELETE ON subject_keys TO recall_api;
GRANT SELECT, INSERT ON server_keys TO recall_api;
