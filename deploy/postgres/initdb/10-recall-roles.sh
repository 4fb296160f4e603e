#!/bin/sh
# Recall's PostgreSQL roles for docker-compose: one login per service with only what
# that service needs, so a leaked service password is not the whole database. The
# postgres image runs this once, as its superuser, when it initialises an empty data
# directory (/docker-entrypoint-initdb.d). It is safe to run again (roles are created
# when missing, passwords are set every time): to rotate a password, or on a volume made
# before this file existed:
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-recall-roles.sh
# stack's TestComposeDatabaseRoles runs this very file against a test cluster and then
# runs Recall with these roles.
#
#   recall_migrate      owns the schema (database owner): the event store, credential
#                       and key migrations, the publication; `command-api bootstrap-admin`
#   recall_command_api  the API: assumes recall_api (SET ROLE; insert/select events,
#                       never update or delete them)
#   recall_relay        REPLICATION (its slot), reads events, owns its checkpoint tables
#   recall_projector    owns the read models, reads subject_keys (sealed fields)
#
# The NOLOGIN group roles recall_api, recall_event_reader and recall_key_reader are the
# ones the migrations grant table privileges to (they create them when missing too).
# Passwords come from the environment only; psql variables quote them (:'…'), so no
# password is ever pasted into SQL text.
set -e # not -u: the image sources a non-executable file into its own shell

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
	--set=db="$POSTGRES_DB" \
	--set=migrate_pw="${RECALL_DB_MIGRATE_PASSWORD:?set RECALL_DB_MIGRATE_PASSWORD}" \
	--set=api_pw="${RECALL_DB_API_PASSWORD:?set RECALL_DB_API_PASSWORD}" \
	--set=relay_pw="${RECALL_DB_RELAY_PASSWORD:?set RECALL_DB_RELAY_PASSWORD}" \
	--set=projector_pw="${RECALL_DB_PROJECTOR_PASSWORD:?set RECALL_DB_PROJECTOR_PASSWORD}" <<'SQL'
SELECT format('CREATE ROLE %I NOLOGIN', r) FROM unnest(ARRAY['recall_api', 'recall_event_reader', 'recall_key_reader']) r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['recall_migrate', 'recall_command_api', 'recall_relay', 'recall_projector']) r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec

-- Logins are plain roles: no superuser, no CREATEDB/CREATEROLE, no BYPASSRLS.
ALTER ROLE recall_migrate NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'migrate_pw';
ALTER ROLE recall_command_api NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'api_pw';
-- The relay alone streams the WAL (its logical slot over the recall_events publication).
ALTER ROLE recall_relay NOSUPERUSER NOCREATEDB NOCREATEROLE REPLICATION PASSWORD :'relay_pw';
ALTER ROLE recall_projector NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'projector_pw';

-- The migrating role owns the database: public belongs to pg_database_owner (PostgreSQL
-- 15+), so it may create the store's tables there, and CREATE on the database lets it
-- create the publication. It is a member of recall_api because bootstrap-admin writes
-- the admin's events through the API's own restricted pools.
ALTER DATABASE :"db" OWNER TO recall_migrate;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO recall_command_api, recall_relay, recall_projector;
GRANT recall_api TO recall_migrate, recall_command_api;

-- command-api migrates on start; when nothing is pending that only reads the version
-- tables, which recall_api cannot. Everything else recall_migrate creates, recall_api may
-- read already (the migrations grant it), so this adds the version tables alone.
ALTER DEFAULT PRIVILEGES FOR ROLE recall_migrate IN SCHEMA public GRANT SELECT ON TABLES TO recall_command_api;

-- The relay and the projector migrate and own their own tables (relay_checkpoints…,
-- projections, users_vN, dead letters); they may create in public but own nothing of
-- the store's.
GRANT CREATE ON SCHEMA public TO recall_relay, recall_projector;
GRANT recall_event_reader TO recall_relay;
GRANT recall_key_reader TO recall_projector;
SQL
