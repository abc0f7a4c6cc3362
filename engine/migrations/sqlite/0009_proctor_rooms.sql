-- Proctors act only in the rooms of the events the exam office assigns them to.
CREATE TABLE proctor_rooms (
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    event_id    BIGINT NOT NULL,
    room        TEXT NOT NULL,
    PRIMARY KEY (account_id, event_id, room),
    FOREIGN KEY (event_id, room) REFERENCES event_rooms (event_id, room)
);

-- Failed logins: the account each one was against (the SHA-256 of its key), so that a proctor or
-- the office can unlock an account; old failures are pruned by time.
ALTER TABLE login_failures ADD COLUMN account_key TEXT;
CREATE INDEX login_failures_account ON login_failures (account_key);
CREATE INDEX login_failures_at ON login_failures (at_ms);
