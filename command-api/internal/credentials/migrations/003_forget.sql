-- Usernames are personal data: since the data-protection release the username column of
-- credentials and login_failures holds the keyed hash of the username (the same value as
-- its unique claim, "h1:<hex>"), never the name; command-api rewrites older rows at start
-- (it holds the key, SQL does not). Forgetting a person deletes their row.
GRANT DELETE ON credentials TO recall_api;
