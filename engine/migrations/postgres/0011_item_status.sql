-- The office retires an item of a bank from the console (or reinstates it): the status here
-- overrides the one in the bank's files whenever the bank is loaded for a new event or a
-- publication, so a retired item is never drawn again; events already published keep the items
-- (and statuses) they froze. Keyed by the bank's own id, not the folder it was read from.
CREATE TABLE item_status (
    bank_id  TEXT NOT NULL,
    item_id  TEXT NOT NULL,
    status   TEXT NOT NULL,
    actor    TEXT NOT NULL,
    reason   TEXT NOT NULL,
    at_ms    BIGINT NOT NULL,
    PRIMARY KEY (bank_id, item_id)
);
