-- Rescoring after key corrections. `item_results.points` keeps the points a response earned at
-- submission; a correction does not rewrite those rows (one per candidate, spread over the whole
-- table) but records the points in force for each response to the corrected item here, and
-- moves each affected sitting's objective score. Readers take COALESCE(rescored_points.points,
-- item_results.points).
CREATE TABLE rescored_points (
    event_id       BIGINT NOT NULL REFERENCES events (id),
    item_id        TEXT NOT NULL,
    -- The response in bank labels ('' for no answer).
    bank_response  TEXT NOT NULL,
    points         BIGINT NOT NULL,
    PRIMARY KEY (event_id, item_id, bank_response)
);

-- Old and new points of every response a key correction rescored, kept with the correction
-- (key_corrections keeps the old and new key): a candidate's score history can be replayed.
CREATE TABLE rescored_items (
    correction_id  BIGINT NOT NULL REFERENCES key_corrections (id),
    candidate_id   BIGINT NOT NULL REFERENCES candidates (id),
    no             BIGINT NOT NULL,
    old_points     BIGINT NOT NULL,
    new_points     BIGINT NOT NULL,
    PRIMARY KEY (correction_id, candidate_id, no)
);
CREATE INDEX rescored_items_candidate ON rescored_items (candidate_id);

-- The key in force before the correction (bank labels, '|'-separated when several were accepted).
ALTER TABLE key_corrections ADD COLUMN old_key TEXT NOT NULL DEFAULT '';
