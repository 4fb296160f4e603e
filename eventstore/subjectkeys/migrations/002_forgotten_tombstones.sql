-- Forgetting a person keeps their row as a tombstone: the wrapped key is destroyed
-- (wrapped and kek_id NULL, forgotten_at set) but the row stays. Readers must tell "this
-- person was forgotten" from "this key is not visible to me yet": logical decoding can
-- hand a transaction to the relay (and so to Kafka and the projector) a moment before that
-- transaction is visible to other sessions, so a projector reading the key of a brand-new
-- person can find no row. Before tombstones a missing row meant "forgotten", and such a
-- person's read-model row lost every field of UserCreated for good. Now a missing row is
-- transient (the reader retries) and only a tombstone means forgotten.
ALTER TABLE subject_keys
    ALTER COLUMN wrapped DROP NOT NULL,
    ALTER COLUMN kek_id DROP NOT NULL,
    ADD COLUMN forgotten_at timestamptz,
    ADD CONSTRAINT subject_keys_live_or_tombstone
        CHECK ((forgotten_at IS NULL) = (wrapped IS NOT NULL AND kek_id IS NOT NULL));

-- People forgotten before this migration have no row: give them their tombstone, from the
-- UserForgotten event that deleted it (the event store's table, when it is in this
-- database, as it is wherever command-api runs these migrations).
DO $$
BEGIN
    IF to_regclass('events') IS NOT NULL THEN
        INSERT INTO subject_keys (subject_id, key_id, forgotten_at)
        SELECT aggregate_id, gen_random_uuid(), max(recorded_at)
        FROM events WHERE aggregate_type = 'user' AND event_type = 'UserForgotten'
        GROUP BY aggregate_id
        ON CONFLICT (subject_id) DO NOTHING;
    END IF;
END
$$;

-- The API now forgets by turning the row into a tombstone (or inserting one for a person
-- written before events were sealed), never by deleting it.
GRANT UPDATE (wrapped, kek_id, forgotten_at) ON subject_keys TO recall_api;
REVOKE DELETE ON subject_keys FROM recall_api;
