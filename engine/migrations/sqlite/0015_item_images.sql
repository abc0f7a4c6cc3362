-- The pictures of the items frozen into events (a control chart under a stem), by the SHA-256 of
-- their bytes: written when an event freezes its items, read by every node for the candidates'
-- pages and the booklets. One picture used by several items or events is kept once.
CREATE TABLE item_images (
    sha256 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL
);
