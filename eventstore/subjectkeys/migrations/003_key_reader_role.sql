-- The projector opens sealed fields with the people's data keys: it reads subject_keys
-- and nothing else of the event store's database. Its login is a member of
-- recall_key_reader (docker-compose's deploy/postgres/initdb script does the GRANT;
-- elsewhere the DBA does). Roles are cluster-wide: create it once and tolerate a
-- concurrent creator.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recall_key_reader') THEN
        CREATE ROLE recall_key_reader NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT SELECT ON subject_keys TO recall_key_reader;

---- create above / drop below ----
REVOKE SELECT ON subject_keys FROM recall_key_reader;
