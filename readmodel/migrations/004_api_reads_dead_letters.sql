-- The console's projection health (GET /v1/projections, admins) counts dead letters per
-- projection; command-api reads as recall_api.
GRANT SELECT ON projector_dead_letters TO recall_api;

---- create above / drop below ----
REVOKE SELECT ON projector_dead_letters FROM recall_api;
