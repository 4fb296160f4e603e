-- The migrating user may act as recall_api (command-api assumes it with SET ROLE). A
-- superuser may already; a user with CREATEROLE can grant it to itself; any other setup
-- needs the DBA to run GRANT recall_api TO <login user>, which the notice says.
DO $$
BEGIN
    IF NOT pg_has_role(current_user, 'recall_api', 'MEMBER') THEN
        EXECUTE format('GRANT recall_api TO %I', current_user);
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'could not grant recall_api to %: run GRANT recall_api TO % as an administrator', current_user, current_user;
END
$$;
