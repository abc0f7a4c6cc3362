-- The console's print jobs, kept in the database so that any node behind a balancer reports a
-- job's progress and hands out its file: the nodes keep no state of their own. A job is printed
-- by one node at a time (its current `attempt`); that node beats `beat_ms` while it prints, and
-- a job whose node stopped beating is taken over by the next node asked about it (a new
-- attempt). Times are the wall clock's epoch milliseconds.
CREATE TABLE print_jobs (
    id TEXT PRIMARY KEY,
    event_id BIGINT NOT NULL,
    what TEXT NOT NULL,
    ticket TEXT,
    actor TEXT NOT NULL,
    total BIGINT NOT NULL,
    done BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    attempt BIGINT NOT NULL DEFAULT 1,
    file_name TEXT,
    content_type TEXT,
    size_bytes BIGINT,
    chunks BIGINT,
    problems TEXT NOT NULL DEFAULT '[]',
    started_ms BIGINT NOT NULL,
    beat_ms BIGINT NOT NULL
);
CREATE INDEX print_jobs_state ON print_jobs (state, beat_ms);

-- A finished job's file in pieces of at most a few MiB: written one short transaction each (the
-- single writer is never held for long), read one at a time by the download.
CREATE TABLE print_job_chunks (
    job_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (job_id, attempt, seq)
);
