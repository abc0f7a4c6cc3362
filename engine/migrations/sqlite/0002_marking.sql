-- Marking the open answers, results and their release, and the audit log.

-- Who holds a marking task and until when (an abandoned lease returns to the queue).
ALTER TABLE marking_tasks ADD COLUMN leased_by BIGINT;
ALTER TABLE marking_tasks ADD COLUMN lease_expires_ms BIGINT;

-- marking → (disputed →) final; 'appeal' while an appeal re-mark is pending.
ALTER TABLE open_answers ADD COLUMN status TEXT NOT NULL DEFAULT 'marking';
ALTER TABLE open_answers ADD COLUMN final_mark BIGINT;

-- The event's marking policy (exam-rules §3): double marking, tolerance in hundredths.
ALTER TABLE events ADD COLUMN double_marking BIGINT NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN tolerance BIGINT NOT NULL DEFAULT 300;
ALTER TABLE events ADD COLUMN released_ms BIGINT;

-- Which graders mark which open question of an event.
CREATE TABLE grader_assignments (
    event_id    BIGINT NOT NULL,
    item_id     TEXT NOT NULL,
    account_id  BIGINT NOT NULL,
    PRIMARY KEY (event_id, item_id, account_id)
);

-- Every mark ever given. A re-opened or appealed mark is superseded, never deleted.
CREATE TABLE marks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    open_answer_id  BIGINT NOT NULL REFERENCES open_answers (id),
    task_id         BIGINT NOT NULL REFERENCES marking_tasks (id),
    marker_slot     BIGINT NOT NULL,
    grader_id       BIGINT NOT NULL,
    mark            BIGINT NOT NULL,
    comment         TEXT NOT NULL,
    at_ms           BIGINT NOT NULL,
    superseded      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX marks_answer ON marks (open_answer_id);
CREATE INDEX marks_grader ON marks (grader_id);

-- Results as released: candidates see these rows, so a later rescoring or appeal changes what
-- they see only when the office releases again.
CREATE TABLE released_results (
    event_id      BIGINT NOT NULL,
    candidate_id  BIGINT NOT NULL,
    result_json   TEXT NOT NULL,
    released_ms   BIGINT NOT NULL,
    PRIMARY KEY (event_id, candidate_id)
);

-- Every mark, override, re-open, appeal, release and export: who, when, old → new, why.
-- Append-only: the engine has no statement that updates or deletes a row here.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    old_value  TEXT NOT NULL,
    new_value  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    at_ms      BIGINT NOT NULL
);
CREATE INDEX audit_log_event ON audit_log (event_id, id);
