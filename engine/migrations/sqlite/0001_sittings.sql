-- Kaowu schema, SQLite flavour (the embedded default). Never edit an applied migration: add one.
-- Conventions shared with the PostgreSQL flavour, so one set of queries runs on both through
-- sqlx's Any driver: times are BIGINT epoch milliseconds, booleans BIGINT 0/1, scores BIGINT
-- hundredths of a point, ids BIGINT or TEXT.

-- Settings shared by every node (e.g. nothing secret is kept per node).
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Staff: exam office, proctors, graders. Candidates are in `candidates`.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('office', 'proctor', 'grader', 'chief')),
    password_hash TEXT NOT NULL,
    created_ms    BIGINT NOT NULL
);

-- An exam event (one national sitting at one or more test centres).
CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    starts_at_ms    BIGINT NOT NULL,
    duration_ms     BIGINT NOT NULL,
    bank_id         TEXT NOT NULL,
    bank_hash       TEXT NOT NULL,
    blueprint_json  TEXT NOT NULL,
    -- 'per-candidate': each candidate's own paper from a per-candidate seed; 'forms': K fixed forms.
    paper_mode      TEXT NOT NULL CHECK (paper_mode IN ('per-candidate', 'forms')),
    forms           BIGINT NOT NULL,
    seed            BIGINT NOT NULL,
    multi_policy    TEXT NOT NULL CHECK (multi_policy IN ('exact', 'partial')),
    pass_mark       BIGINT NOT NULL,
    -- 'draft' until published; publishing freezes the items into event_items.
    status          TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    created_ms      BIGINT NOT NULL
);

CREATE TABLE event_rooms (
    event_id   BIGINT NOT NULL REFERENCES events (id),
    room       TEXT NOT NULL,
    opened_ms  BIGINT,
    PRIMARY KEY (event_id, room)
);

-- The bank's items as they were when the event was published: later edits to the bank never
-- change a sitting's paper or its scoring.
CREATE TABLE event_items (
    event_id   BIGINT NOT NULL REFERENCES events (id),
    item_id    TEXT NOT NULL,
    item_hash  TEXT NOT NULL,
    item_json  TEXT NOT NULL,
    PRIMARY KEY (event_id, item_id)
);

CREATE TABLE candidates (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       BIGINT NOT NULL REFERENCES events (id),
    ticket         TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    pinyin         TEXT NOT NULL,
    id_number      TEXT NOT NULL,
    room           TEXT NOT NULL,
    seat           TEXT NOT NULL,
    password_hash  TEXT NOT NULL
);
CREATE INDEX candidates_room ON candidates (event_id, room);

-- One sitting per candidate. The timer is kept as facts (start, pauses, extra time) from which
-- the deadline follows; deadline_ms is stored (NULL while paused) so the server can find and
-- submit expired sittings even when no browser is open.
CREATE TABLE sittings (
    candidate_id     BIGINT PRIMARY KEY REFERENCES candidates (id),
    event_id         BIGINT NOT NULL REFERENCES events (id),
    paper_seed       BIGINT NOT NULL,
    form             BIGINT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('not_started', 'in_progress', 'paused', 'submitted')),
    started_ms       BIGINT,
    base_ms          BIGINT NOT NULL,
    extra_ms         BIGINT NOT NULL DEFAULT 0,
    paused_total_ms  BIGINT NOT NULL DEFAULT 0,
    paused_since_ms  BIGINT,
    deadline_ms      BIGINT,
    submitted_ms     BIGINT,
    submitted_by     TEXT,
    -- The login session the sitting is bound to (one workstation at a time) and whether the
    -- proctor has allowed the candidate to continue on another one.
    session_id       TEXT,
    move_allowed     BIGINT NOT NULL DEFAULT 0,
    objective_score  BIGINT
);
CREATE INDEX sittings_deadline ON sittings (state, deadline_ms);

-- The current answer per slot ('1'..'70' objective items by paper number, 'open' for the chosen
-- open questions, 'open-N' for open answer N). `seq` is the client's per-sitting sequence
-- number of the save that wrote it: an older save never overwrites a newer one.
CREATE TABLE answers (
    candidate_id  BIGINT NOT NULL REFERENCES candidates (id),
    slot          TEXT NOT NULL,
    value         TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    saved_ms      BIGINT NOT NULL,
    PRIMARY KEY (candidate_id, slot)
);

-- Every save ever received, applied or not, with server time: an appeal can replay a sitting.
CREATE TABLE save_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id  BIGINT NOT NULL,
    seq           BIGINT NOT NULL,
    slot          TEXT NOT NULL,
    value         TEXT NOT NULL,
    received_ms   BIGINT NOT NULL,
    outcome       TEXT NOT NULL
);
CREATE INDEX save_log_candidate ON save_log (candidate_id, id);

-- Objective scoring, per item, written at submission.
CREATE TABLE item_results (
    candidate_id  BIGINT NOT NULL REFERENCES candidates (id),
    no            BIGINT NOT NULL,
    item_id       TEXT NOT NULL,
    response      TEXT NOT NULL,
    points        BIGINT NOT NULL,
    PRIMARY KEY (candidate_id, no)
);

-- A chosen open answer, as graders will see it: only this row's id links it to the candidate.
CREATE TABLE open_answers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      BIGINT NOT NULL REFERENCES events (id),
    candidate_id  BIGINT NOT NULL REFERENCES candidates (id),
    open_no       BIGINT NOT NULL,
    item_id       TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_ms    BIGINT NOT NULL,
    UNIQUE (candidate_id, open_no)
);

-- The graders' queue: one task per mark needed (two for double marking).
CREATE TABLE marking_tasks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    open_answer_id  BIGINT NOT NULL REFERENCES open_answers (id),
    item_id         TEXT NOT NULL,
    marker_slot     BIGINT NOT NULL,
    state           TEXT NOT NULL,
    created_ms      BIGINT NOT NULL,
    UNIQUE (open_answer_id, marker_slot)
);
CREATE INDEX marking_tasks_queue ON marking_tasks (item_id, state);

-- Everything a proctor (or the system) does to a room or a sitting: who, when, why.
CREATE TABLE proctor_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      BIGINT NOT NULL,
    room          TEXT NOT NULL,
    candidate_id  BIGINT,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    at_ms         BIGINT NOT NULL
);

-- Login sessions; the cookie carries a random token, the table its SHA-256.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    subject_id  BIGINT NOT NULL,
    created_ms  BIGINT NOT NULL,
    expires_ms  BIGINT NOT NULL,
    revoked     BIGINT NOT NULL DEFAULT 0
);

-- Failed logins, for rate limiting across every node.
CREATE TABLE login_failures (
    subject  TEXT NOT NULL,
    at_ms    BIGINT NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, at_ms);
