-- The role of each user, kept beside its credentials in the same transactions as
-- UserCreated and RoleChanged, so the last active admin can be protected with row locks
-- (the read model is too late for that). Back-filled from the event store: the latest
-- UserCreated or RoleChanged of each stream names the current role.
ALTER TABLE credentials ADD COLUMN role text;
UPDATE credentials c SET role = (
    SELECT e.data->>'role' FROM events e
    WHERE e.aggregate_id = c.user_id AND e.event_type IN ('UserCreated', 'RoleChanged')
    ORDER BY e.revision DESC LIMIT 1);
UPDATE credentials SET role = 'user' WHERE role IS NULL;
ALTER TABLE credentials ALTER COLUMN role SET NOT NULL;
CREATE INDEX credentials_active_admins ON credentials (user_id) WHERE active AND role = 'admin';

-- Failed password checks per (normalised) username, known or not: the lockout must not
-- tell an existing user from an unknown one. locked_until doubles from the threshold on.
CREATE TABLE login_failures (
    username     text        PRIMARY KEY,
    failures     integer     NOT NULL,
    locked_until timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_updated_at ON login_failures (updated_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON login_failures TO recall_api;
