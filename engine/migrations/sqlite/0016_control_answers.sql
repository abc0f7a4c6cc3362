-- Control answers (质检卷): an answer the chief grader writes (or copies) with the mark the
-- marking team agreed for it, planted into the queue of every grader of its question. A grader
-- marks it as any other answer; the deviation from the agreed mark is shown to the chief. It
-- belongs to no candidate, and its marks live here, never in `marks`: they cannot count for
-- anyone.
CREATE TABLE control_answers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     BIGINT NOT NULL REFERENCES events (id),
    item_id      TEXT NOT NULL,
    body         TEXT NOT NULL,
    agreed_mark  BIGINT NOT NULL,
    planted_by   TEXT NOT NULL,
    planted_ms   BIGINT NOT NULL
);

-- One per grader a control answer was planted for. Its id is drawn from the marking tasks' own
-- counter, so a grader cannot tell a control task from a real one by its number. It is offered
-- once the grader has given `due_after_marks` marks (a few after planting, chosen at random), or
-- sooner when nothing else is left for them.
CREATE TABLE control_tasks (
    id                 BIGINT PRIMARY KEY,
    control_answer_id  BIGINT NOT NULL REFERENCES control_answers (id),
    grader_id          BIGINT NOT NULL REFERENCES accounts (id),
    state              TEXT NOT NULL,
    due_after_marks    BIGINT NOT NULL,
    lease_expires_ms   BIGINT,
    leased_ms          BIGINT,
    mark               BIGINT,
    comment            TEXT,
    marked_ms          BIGINT,
    UNIQUE (control_answer_id, grader_id)
);
CREATE INDEX control_tasks_grader ON control_tasks (grader_id, state);
