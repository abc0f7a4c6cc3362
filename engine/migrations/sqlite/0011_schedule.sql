-- The national schedule (issue 13): the late-entry cut-off after the start (开考 30 分钟后不得入场),
-- how long before the start a room may open, and whether the event is a rehearsal (模拟考试, any
-- duration). A candidate who has not started by the cut-off is absent; the proctor log also
-- records what the server does to a sitting (its submission at time-up, a move to another
-- workstation), which is what the candidate's page is told about live.
ALTER TABLE events ADD COLUMN late_entry_ms BIGINT NOT NULL DEFAULT 1800000;
ALTER TABLE events ADD COLUMN open_before_ms BIGINT NOT NULL DEFAULT 1800000;
ALTER TABLE events ADD COLUMN rehearsal BIGINT NOT NULL DEFAULT 0;
