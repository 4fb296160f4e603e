-- Which commit LSN the relay put in recall_commit_lsn for which events, so a republish
-- (replayer republish) can send the exact headers again: the events table cannot know
-- the commit LSN of the transaction that inserted a row.
--
-- Each checkpoint save (every status interval, in the same transaction) adds one row
-- holding, as parallel arrays, every transaction confirmed since the last save: its xid
-- (BeginMessage.Xid, 32 bits), its commit LSN, and the lowest and highest
-- global_position of its events. The initial snapshot adds one entry per run of
-- consecutive positions it published, with a NULL xid and the slot's consistent point.
-- One row per save, not per transaction: a row and a GiST entry per transaction cost
-- the relay ~6x more per save at tens of thousands of one-event transactions a second
-- (measured), and their WAL has to be decoded by the walsender, the relay's bottleneck.
CREATE TABLE relay_commit_batches (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_position  bigint      NOT NULL, -- the lowest first_positions element
    last_position   bigint      NOT NULL, -- the highest last_positions element
    saved_at        timestamptz NOT NULL DEFAULT now(),
    xids            bigint[]    NOT NULL,
    commit_lsns     pg_lsn[]    NOT NULL,
    first_positions bigint[]    NOT NULL,
    last_positions  bigint[]    NOT NULL,
    CHECK (first_position <= last_position)
);
CREATE INDEX relay_commit_batches_positions ON relay_commit_batches USING gist (int8range(first_position, last_position, '[]'));

-- One row per transaction (or snapshot run). An event matches
--
--   events.global_position BETWEEN first_position AND last_position
--   AND (xid IS NULL OR xid = events.xmin::text::bigint)
--
-- The position range disambiguates xid wraparound, and a snapshot run holds only
-- snapshot rows, so a streamed row never falls in one. For ranges of the log, use
-- relay/commits (it narrows by the batches' index first).
CREATE VIEW relay_commits AS
    SELECT u.xid, u.commit_lsn, u.first_position, u.last_position
    FROM relay_commit_batches b,
         unnest(b.xids, b.commit_lsns, b.first_positions, b.last_positions) AS u(xid, commit_lsn, first_position, last_position);
