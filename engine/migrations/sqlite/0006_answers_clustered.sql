-- The current answers, clustered by their primary key (WITHOUT ROWID): a save reads and writes
-- one b-tree page per candidate instead of a table page plus a primary-key index page, which
-- halves the pages a batch of saves dirties (and so the WAL written per commit).
CREATE TABLE answers_clustered (
    candidate_id  BIGINT NOT NULL REFERENCES candidates (id),
    slot          TEXT NOT NULL,
    value         TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    saved_ms      BIGINT NOT NULL,
    PRIMARY KEY (candidate_id, slot)
) WITHOUT ROWID;
INSERT INTO answers_clustered (candidate_id, slot, value, seq, saved_ms)
    SELECT candidate_id, slot, value, seq, saved_ms FROM answers;
DROP TABLE answers;
ALTER TABLE answers_clustered RENAME TO answers;
