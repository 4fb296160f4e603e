-- The welcome log keeps no address: a person can be forgotten, a log line cannot. The
-- user id (and the UserCreated event id) say which mail was sent.
ALTER TABLE welcome_emails DROP COLUMN IF EXISTS email;

---- create above / drop below ----
ALTER TABLE welcome_emails ADD COLUMN IF NOT EXISTS email text NOT NULL DEFAULT '';
