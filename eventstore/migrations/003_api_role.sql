-- The API's role may read and append events but never change them. Roles are cluster-wide,
-- so create it once and tolerate a concurrent creator (tests migrate many databases at once).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recall_api') THEN
        CREATE ROLE recall_api NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

GRANT INSERT, SELECT ON events TO recall_api;
GRANT SELECT, INSERT, UPDATE ON streams TO recall_api;
GRANT SELECT, INSERT, UPDATE, DELETE ON unique_claims, idempotency_keys, snapshots TO recall_api;
