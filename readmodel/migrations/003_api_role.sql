-- command-api reads the read models as recall_api (RECALL_DB_ROLE): it needs to see
-- which version is live. The event store's migration creates the role; the read models
-- may live in another database, even another cluster, so create it here too when
-- missing (roles are cluster-wide; tolerate a concurrent creator). Each users_vN table
-- grants its own SELECT when it is created (users.Setup).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'recall_api') THEN
        CREATE ROLE recall_api NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
GRANT SELECT ON projections TO recall_api;

---- create above / drop below ----
REVOKE SELECT ON projections FROM recall_api;
