-- The relay's durable position per replication slot. PostgreSQL 15 does not persist a
-- bare standby acknowledgement across a restart, so the relay keeps its own and passes it
-- to START_REPLICATION. A row exists only once the slot's initial snapshot is in Kafka.
CREATE TABLE relay_checkpoints (
    slot_name  text        PRIMARY KEY,
    lsn        pg_lsn      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
