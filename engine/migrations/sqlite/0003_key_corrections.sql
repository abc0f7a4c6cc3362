-- Key challenges: corrections of an item's key, or voiding it, after the event.

-- The response in the bank's option labels (the paper's are shuffled per candidate), so an item
-- can be rescored without regenerating anyone's paper.
ALTER TABLE item_results ADD COLUMN bank_response TEXT NOT NULL DEFAULT '';
CREATE INDEX item_results_item ON item_results (item_id);

-- Every correction, kept: the latest per item is in force.
CREATE TABLE key_corrections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    BIGINT NOT NULL,
    item_id     TEXT NOT NULL,
    -- 'rekey': `accepted` lists the accepted answers in bank labels, '|'-separated
    -- (e.g. 'B|C' accepts B or C; a multiple-choice key 'ACD'); 'void': everyone gets the points.
    kind        TEXT NOT NULL CHECK (kind IN ('rekey', 'void')),
    accepted    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at_ms       BIGINT NOT NULL
);
