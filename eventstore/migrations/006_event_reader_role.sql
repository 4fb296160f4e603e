-- The relay reads events (its initial snapshot, commit batches) but must not append or
-- see anything else of the store: it logs in as its own role, a member of
-- recall_event_reader (docker-compose's deploy/postgres/initdb script does the GRANT;
-- elsewhere the DBA does). Roles are cluster-wide: create it once and tolerate a
-- concurrent creator.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recall_event_reader') THEN
        CREATE ROLE recall_event_reader NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT SELECT ON events TO recall_event_reader;

---- create above / drop below ----
REVOKE SELECT ON events FROM recall_event_reader;
